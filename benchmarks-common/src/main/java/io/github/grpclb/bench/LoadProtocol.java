package io.github.grpclb.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.zip.DataFormatException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.grpclb.bench.proto.BenchServiceGrpc;
import org.HdrHistogram.Histogram;

/**
 * The line protocol between the benchmark ({@code benchmarks}, Spring Boot 3.5) and the child JVM that runs the
 * variants it cannot hold itself ({@code benchmarks-boot4}, Spring Boot 4.1: the two Boot lines cannot share one JVM).
 * The child's standard input and output carry UTF-8 text, one message per line:
 * <pre>
 * child  -&gt; parent  ready &lt;key&gt;,&lt;key&gt;...                       once, when its stubs are made
 *                   error &lt;reason&gt;                              instead, when its application did not start
 * parent -&gt; child   run &lt;key&gt; &lt;warm-up&gt; &lt;window&gt; &lt;concurrency&gt;  durations in ISO-8601 (PT3S)
 * child  -&gt; parent  result &lt;json&gt;                               a {@link ClosedLoop.Window}, after the calls drained
 *                   error &lt;reason&gt;                              unknown key, bad command, load failed
 * parent -&gt; child   quit                                        (or end of input) the child stops and exits
 * </pre>
 * The child measures with the same {@link ClosedLoop} as the parent. Its result JSON has the fields of the window
 * ({@code nanos}, {@code servedBy}, {@code failures}, {@code lastFailure}) and the latency histogram as Base64 of
 * HdrHistogram's compressed encoding; connections are counted by the parent, which owns the backends, around the
 * {@code run} request. Only these lines go to the child's standard output (its logging goes to standard error); the
 * parent passes any other line on to its own standard error.
 */
public final class LoadProtocol {

	/** First word of the child's message once it can take {@code run} requests. */
	public static final String READY = "ready";

	/** First word of a request to run one variant. */
	public static final String RUN = "run";

	/** First word of the reply to {@code run}. */
	public static final String RESULT = "result";

	/** First word of a failure reply. */
	public static final String ERROR = "error";

	/** The request that ends the child. */
	public static final String QUIT = "quit";

	private static final ObjectMapper JSON = new ObjectMapper();

	private LoadProtocol() {
	}

	/**
	 * @param line a line the child wrote
	 * @return whether it is a protocol message (anything else is ignored)
	 */
	public static boolean isMessage(String line) {
		return line.startsWith(READY + " ") || line.startsWith(RESULT + " ") || line.startsWith(ERROR + " ");
	}

	/**
	 * @param key the variant
	 * @param loop its load: warm-up, window and concurrency
	 * @return the {@code run} request
	 */
	public static String runRequest(String key, ClosedLoop loop) {
		return String.join(" ", RUN, key, loop.warmUp().toString(), loop.window().toString(),
				Integer.toString(loop.concurrency()));
	}

	/**
	 * @param reason what failed
	 * @return an {@code error} message on one line
	 */
	public static String error(Object reason) {
		return ERROR + " " + String.valueOf(reason).replaceAll("\\s+", " ").trim();
	}

	/**
	 * @param window a measured window
	 * @return its JSON, on one line
	 */
	public static String encode(ClosedLoop.Window window) {
		Histogram latencies = window.latencies();
		ByteBuffer buffer = ByteBuffer.allocate(latencies.getNeededByteBufferCapacity());
		int length = latencies.encodeIntoCompressedByteBuffer(buffer);
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("nanos", window.nanos());
		json.put("calls", window.calls());
		json.put("servedBy", window.servedBy());
		json.put("failures", window.failures());
		json.put("lastFailure", window.lastFailure());
		json.put("latencies", Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length)));
		try {
			return JSON.writeValueAsString(json);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * @param json what {@link #encode} wrote
	 * @return the window, with no connections counted
	 */
	public static ClosedLoop.Window decode(String json) {
		try {
			JsonNode node = JSON.readTree(json);
			Map<String, Long> servedBy = new TreeMap<>();
			node.get("servedBy").properties().forEach((e) -> servedBy.put(e.getKey(), e.getValue().asLong()));
			Histogram latencies = Histogram.decodeFromCompressedByteBuffer(
					ByteBuffer.wrap(Base64.getDecoder().decode(node.get("latencies").asText())), 0);
			JsonNode lastFailure = node.get("lastFailure");
			return new ClosedLoop.Window(node.get("nanos").asLong(), latencies, servedBy, node.get("failures").asLong(),
					(lastFailure == null || lastFailure.isNull()) ? null : lastFailure.asText(), 0);
		}
		catch (IOException | DataFormatException ex) {
			throw new IllegalArgumentException("not a result: " + json, ex);
		}
	}

	/**
	 * The child's side: answer {@code run} requests until {@code quit} or the end of input. Announce readiness first
	 * (with {@link #READY} and the keys) before calling this.
	 * @param stubs the child's variants by key
	 * @param in requests
	 * @param out replies
	 */
	public static void serve(Map<String, Supplier<BenchServiceGrpc.BenchServiceStub>> stubs, BufferedReader in,
			PrintStream out) {
		try {
			for (String line = in.readLine(); line != null; line = in.readLine()) {
				String[] words = line.trim().split("\\s+");
				if (words.length == 1 && words[0].equals(QUIT)) {
					return;
				}
				out.println(answer(stubs, words));
				out.flush();
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String answer(Map<String, Supplier<BenchServiceGrpc.BenchServiceStub>> stubs, String[] words) {
		if (words.length != 5 || !words[0].equals(RUN)) {
			return error("expected '" + RUN + " <key> <warm-up> <window> <concurrency>' or '" + QUIT + "', got '"
					+ String.join(" ", words) + "'");
		}
		Supplier<BenchServiceGrpc.BenchServiceStub> stub = stubs.get(words[1]);
		if (stub == null) {
			return error("unknown variant '" + words[1] + "'; this JVM runs " + stubs.keySet());
		}
		try {
			ClosedLoop loop = new ClosedLoop(Integer.parseInt(words[4]), Duration.parse(words[2]),
					Duration.parse(words[3]));
			return RESULT + " " + encode(loop.run(stub.get(), () -> 0));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return error("interrupted");
		}
		catch (RuntimeException ex) {
			return error(ex);
		}
	}

}
