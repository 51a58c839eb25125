/** Building blocks of Multiway layers that expert providers reuse (e.g. the released BEiT-3 branch bundle). */
package dev.beit3.core.multiway;
