#!/usr/bin/env bash
# Retrains the four demo models of models/demo from scratch with the Java trainer, on freshly generated
# shapes-world data, and evaluates them next to the shipped (reference-trained) models on the same test sets.
#
#   scripts/retrain-demo.sh [OUT]        # OUT defaults to ./retrain-demo; needs ~5 GB of disk for the data
#
# The recipe is the demo README's (models/demo/README.md, "How the models were trained"): captioning first,
# from scratch (2,400 steps, mask probability 0.6, label smoothing 0.1); its encoder starts VQA (4,500 steps,
# BCE), retrieval (2,000 steps, contrastive with logit_scale) and classification (800 steps, label smoothing
# 0.1); AdamW, weight decay 0.05, 10 % warm-up then cosine, batch 128, no augmentation. Environment: THREADS
# (PyTorch threads, default 2).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$PWD/retrain-demo}"
THREADS="${THREADS:-2}"
DEMO="$ROOT/models/demo"
SPM="$DEMO/shapes.spm"
BEIT3="$ROOT/beit3"
mkdir -p "$OUT"

"$BEIT3" --version >/dev/null # builds the command line (and copies its dependencies) on first use
world() { # task count seed dir [split]
  [ -f "$4/data.jsonl" ] || java -cp "$ROOT/beit3-cli/target/lib/*" dev.beit3.train.ShapesWorld \
    --task "$1" --count "$2" --seed "$3" --out "$4" --split "${5:-test}"
}

# training data: a fresh example for every sample the reference saw (steps x 128), except classification
# and retrieval (2 epochs); test sets from seeds never used in training, sized as the reference's
world captioning 307200 1 "$OUT/data/captioning-train" train
world vqa 576000 2 "$OUT/data/vqa-train" train
world retrieval 128000 3 "$OUT/data/retrieval-train" train
world imageclassification 51200 4 "$OUT/data/imageclassification-train" train
world captioning 500 9001 "$OUT/data/captioning-test"
world vqa 2000 9002 "$OUT/data/vqa-test"
world retrieval 300 9003 "$OUT/data/retrieval-test"
world imageclassification 1000 9004 "$OUT/data/imageclassification-test"

common=(--heads 4 --batch 128 --weight-decay 0.05 --threads "$THREADS")
"$BEIT3" train --task captioning --data "$OUT/data/captioning-train" \
  --scratch image=64,patch=16,dim=96,heads=4,layers=4,ffn=384 --spm "$SPM" --max-text-length 20 \
  --mask-prob 0.6 --label-smoothing 0.1 --steps 2400 --warmup-steps 240 --lr 2e-3 --seed 1 \
  --output "$OUT/captioning.pth" "${common[@]}"
"$BEIT3" train --task vqa --data "$OUT/data/vqa-train" --checkpoint "$OUT/captioning.pth" --spm "$SPM" \
  --max-text-length 16 --beta2 0.98 --steps 4500 --warmup-steps 450 --lr 1e-3 --seed 2 \
  --output "$OUT/vqa.pth" "${common[@]}"
"$BEIT3" train --task retrieval --data "$OUT/data/retrieval-train" --checkpoint "$OUT/captioning.pth" \
  --spm "$SPM" --max-text-length 20 --steps 2000 --warmup-steps 200 --lr 1e-3 --seed 3 \
  --output "$OUT/retrieval.pth" "${common[@]}"
"$BEIT3" train --task imageclassification --data "$OUT/data/imageclassification-train" \
  --checkpoint "$OUT/captioning.pth" --label-smoothing 0.1 --steps 800 --warmup-steps 80 --lr 1e-3 --seed 4 \
  --output "$OUT/imageclassification.pth" "${common[@]}"

echo "== test metrics: retrained (Java) / shipped (reference trainer), same Java-generated test sets"
for t in captioning vqa retrieval imageclassification; do
  len=(); [ "$t" = vqa ] && len=(--max-text-length 16); [ "$t" = captioning ] || [ "$t" = retrieval ] && len=(--max-text-length 20)
  spm=(); [ "$t" = imageclassification ] || spm=(--spm "$SPM")
  echo "retrained: $("$BEIT3" evaluate --task "$t" --data "$OUT/data/$t-test" --checkpoint "$OUT/$t.pth" --heads 4 \
    "${spm[@]}" "${len[@]}" --threads "$THREADS")"
  echo "shipped:   $("$BEIT3" evaluate --task "$t" --data "$OUT/data/$t-test" --models "$DEMO" --threads "$THREADS")"
done
