package dev.beit3.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The transformer behaves as a Spark ML stage: params are listed and copied, it runs inside a Pipeline. */
class TransformerContractTest {
    @Test
    void paramsAreExplainedAndCopied() {
        Beit3Embedder e = SparkParityTest.embedder("text").setInputCol("text").setBatchSize(3);
        assertThat(e.explainParams()).contains("batchSize", "threadsPerExecutor", "modelPackage", "errorCol");
        Beit3Embedder c = e.copy(ParamMap.empty().put(e.batchSize(), 5));
        assertThat(c.uid()).isEqualTo(e.uid());
        assertThat(c.getOrDefault(c.batchSize())).isEqualTo(5);
        assertThat(e.getOrDefault(e.batchSize())).isEqualTo(3);
        assertThat(c.getOrDefault(c.inputCol())).isEqualTo("text");
        assertThat(c.spec()).isEqualTo(e.spec());
    }

    @Test
    void runsAsAPipelineStage() {
        Dataset<Row> texts = SparkTests.spark().createDataset(List.of("a red circle", "two circles"), Encoders.STRING())
                .toDF("text");
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {
                SparkParityTest.embedder("text").setInputCol("text").setOutputCol("vec")}).fit(texts);
        List<Row> out = model.transform(texts).collectAsList();
        assertThat(out).hasSize(2).allSatisfy(r -> assertThat(SparkTests.vector(r, "vec")).hasSize(96));
    }
}
