package dev.spr;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;

/**
 * Computes what Kafka's Java producer computes for a keyed record. Reads lines of
 * {@code <partitionCount>\t<base64 of the key bytes>} from stdin (base64, so any bytes survive the pipe) and
 * prints {@code <murmur2>\t<partition>} per line, in order.
 *
 * <p>The partition is {@code Utils.toPositive(Utils.murmur2(key)) % n}; every line is also checked against the
 * producer's own {@code BuiltInPartitioner.partitionForKey}, so this formula cannot drift from what the
 * producer does in the kafka-clients version on the classpath.
 */
public final class PartitionerCheck {
    private PartitionerCheck() {}

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII), 1 << 16);
        Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.US_ASCII), 1 << 16);
        Base64.Decoder base64 = Base64.getDecoder();
        String line;
        long lineNumber = 0;
        while ((line = in.readLine()) != null) {
            lineNumber++;
            int tab = line.indexOf('\t');
            if (tab < 0) {
                fail(lineNumber, "expected <partitionCount>\\t<base64 key>, got '" + line + "'");
            }
            int partitionCount = Integer.parseInt(line.substring(0, tab));
            if (partitionCount <= 0) {
                fail(lineNumber, "partition count must be positive, got " + partitionCount);
            }
            byte[] key = base64.decode(line.substring(tab + 1));
            int hash = Utils.murmur2(key);
            int partition = Utils.toPositive(hash) % partitionCount;
            int producerPartition = BuiltInPartitioner.partitionForKey(key, partitionCount);
            if (partition != producerPartition) {
                fail(lineNumber, "Utils formula gave " + partition + " but the producer's BuiltInPartitioner gave " + producerPartition);
            }
            out.write(Integer.toString(hash));
            out.write('\t');
            out.write(Integer.toString(partition));
            out.write('\n');
        }
        out.flush();
    }

    private static void fail(long lineNumber, String message) {
        System.err.println("line " + lineNumber + ": " + message);
        System.exit(2);
    }
}
