package dev.beit3.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The k best table rows of one partition for every broadcast query: input rows are (id string, vector), output
 * rows are (query index, query id, id, score), at most k per query. The score is the dot product accumulated in
 * float, in the order of {@link dev.beit3.model.Beit3#similarity(float[][], float[][])}, so it is the same number.
 */
final class TopKPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    /** One candidate. */
    record Hit(String id, float score) {}

    /** Better first: higher score, then smaller id (a deterministic order for ties). */
    static final Comparator<Hit> BETTER = Comparator.comparingDouble((Hit h) -> -h.score())
            .thenComparing(Hit::id);

    private final Broadcast<QuerySet> queries;
    private final int k;

    TopKPartition(Broadcast<QuerySet> queries, int k) {
        this.queries = queries;
        this.k = k;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        QuerySet q = queries.value();
        int n = q.ids().length;
        List<PriorityQueue<Hit>> heaps = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            heaps.add(new PriorityQueue<>(k + 1, BETTER.reversed())); // head = worst kept
        }
        float[] v = new float[q.dimension()];
        while (rows.hasNext()) {
            Row r = rows.next();
            String id = r.getString(0);
            List<Float> vec = r.getList(1);
            if (vec.size() != v.length) {
                throw new IllegalArgumentException("search: table row '" + id + "' has a vector of " + vec.size()
                        + " floats but the queries have " + v.length);
            }
            for (int d = 0; d < v.length; d++) {
                v[d] = vec.get(d);
            }
            for (int i = 0; i < n; i++) {
                float[] qv = q.vectors()[i];
                float acc = 0;
                for (int d = 0; d < v.length; d++) {
                    acc += v[d] * qv[d];
                }
                PriorityQueue<Hit> h = heaps.get(i);
                Hit hit = new Hit(id, acc);
                if (h.size() < k) {
                    h.add(hit);
                } else if (BETTER.compare(hit, h.peek()) < 0) {
                    h.poll();
                    h.add(hit);
                }
            }
        }
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (Hit h : heaps.get(i)) {
                out.add(RowFactory.create(i, q.ids()[i], h.id(), h.score()));
            }
        }
        return out.iterator();
    }
}
