package dev.beit3.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;

import dev.beit3.api.InvalidInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.StructType;

/**
 * Top-k search over an embedding table as a Spark job: the query embeddings are collected and broadcast, every
 * partition of the table keeps its k best rows per query, and a window over the candidates keeps the global k
 * best. Works in both directions: text queries over an image table (text → image) and image queries over a text
 * table (image → text). Scores are dot products, i.e. cosine similarities of the L2-normalised BEiT-3 embeddings.
 *
 * <p>The queries must fit in the driver's and each executor's memory (one {@code float[]} per query); the table
 * can be any size. Rows whose vector is null (failed embeddings) are skipped on both sides. Equal scores are
 * ordered by id.
 */
public final class Beit3Search {
    private Beit3Search() {}

    /**
     * The schema of a search result: {@code query_index int, query_id string, rank int (1-based), id string,
     * score float}.
     *
     * @return the schema
     */
    public static StructType resultSchema() {
        return new StructType().add("query_index", DataTypes.IntegerType, false)
                .add("query_id", DataTypes.StringType, true).add("rank", DataTypes.IntegerType, false)
                .add("id", DataTypes.StringType, true).add("score", DataTypes.FloatType, false);
    }

    /**
     * The k best table rows for each query.
     *
     * @param queries query embeddings (collected to the driver)
     * @param table the embedding table (distributed)
     * @param spec columns and k
     * @return rows of {@link #resultSchema()}, sorted by query index and rank
     * @throws InvalidInputException when a column is missing, the queries are empty or vectors differ in length
     */
    public static Dataset<Row> topK(Dataset<Row> queries, Dataset<Row> table, SearchSpec spec) {
        need(queries, spec.queryIdCol(), spec.queryVectorCol(), "queries");
        need(table, spec.idCol(), spec.vectorCol(), "table");
        List<Row> qs = queries.select(col(spec.queryIdCol()).cast("string"), col(spec.queryVectorCol()))
                .where(col(spec.queryVectorCol()).isNotNull()).collectAsList();
        if (qs.isEmpty()) {
            throw new InvalidInputException("search: no query has a vector in column '" + spec.queryVectorCol() + "'");
        }
        List<String> ids = new ArrayList<>(qs.size());
        List<float[]> vecs = new ArrayList<>(qs.size());
        for (Row r : qs) {
            List<Float> v = r.getList(1);
            float[] f = new float[v.size()];
            for (int d = 0; d < f.length; d++) {
                f[d] = v.get(d);
            }
            if (!vecs.isEmpty() && f.length != vecs.get(0).length) {
                throw new InvalidInputException("search: query '" + r.getString(0) + "' has " + f.length
                        + " floats, the first query " + vecs.get(0).length);
            }
            ids.add(r.getString(0));
            vecs.add(f);
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(table.sparkSession().sparkContext());
        Broadcast<QuerySet> bc = jsc.broadcast(new QuerySet(ids.toArray(new String[0]), vecs.toArray(new float[0][])));
        StructType candidates = new StructType().add("query_index", DataTypes.IntegerType, false)
                .add("query_id", DataTypes.StringType, true).add("id", DataTypes.StringType, true)
                .add("score", DataTypes.FloatType, false);
        Dataset<Row> cand = table.select(col(spec.idCol()).cast("string"), col(spec.vectorCol()))
                .where(col(spec.vectorCol()).isNotNull())
                .mapPartitions(new TopKPartition(bc, spec.k()), Encoders.row(candidates));
        return cand.withColumn("rank", row_number().over(Window.partitionBy("query_index")
                        .orderBy(col("score").desc(), col("id").asc())))
                .where(col("rank").leq(spec.k()))
                .select("query_index", "query_id", "rank", "id", "score")
                .orderBy("query_index", "rank");
    }

    /**
     * {@link #topK} written as Parquet.
     *
     * @param queries query embeddings
     * @param table the embedding table
     * @param spec columns and k
     * @param output the Parquet directory
     * @param mode what to do when it exists
     */
    public static void topKToParquet(Dataset<Row> queries, Dataset<Row> table, SearchSpec spec, String output,
            SaveMode mode) {
        topK(queries, table, spec).write().mode(mode).parquet(output);
    }

    private static void need(Dataset<Row> d, String id, String vec, String what) {
        List<String> names = Arrays.asList(d.schema().fieldNames());
        for (String c : new String[] {id, vec}) {
            if (!names.contains(c)) {
                throw new InvalidInputException("search: the " + what + " have no column '" + c + "'; columns: "
                        + names);
            }
        }
        if (!(d.schema().apply(vec).dataType() instanceof ArrayType a && a.elementType() instanceof FloatType)) {
            throw new InvalidInputException("search: the " + what + " column '" + vec + "' is "
                    + d.schema().apply(vec).dataType().simpleString() + ", not array<float>");
        }
    }
}
