package io.github.grpclb.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.HdrHistogram.Histogram;

/**
 * Aggregates the windows of each variant over all rounds and writes the Markdown table, the JSON file and the
 * per-backend share chart.
 */
final class Report {

	private static final String[] COLOURS = { "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2" };

	private final Map<String, Totals> totals = new LinkedHashMap<>();

	private final Map<String, Object> run = new LinkedHashMap<>();

	private final Map<String, Map<String, String>> skipped = new LinkedHashMap<>();

	Report(int rounds, Duration warmUp, Duration window, int concurrency, String haproxy) {
		this.run.put("rounds", rounds);
		this.run.put("warmUp", warmUp.toString());
		this.run.put("window", window.toString());
		this.run.put("concurrency", concurrency);
		this.run.put("cores", Runtime.getRuntime().availableProcessors());
		this.run.put("cpu", cpuModel());
		this.run.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
		this.run.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
		this.run.put("haproxy", haproxy);
		this.run.put("date", java.time.OffsetDateTime.now().withNano(0).toString());
	}

	/** Count the connections a discarded warm-up window opened (pooled channels connect there). */
	void addWarmUp(Variant variant, ClosedLoop.Window window) {
		this.totals.computeIfAbsent(variant.key(), (key) -> new Totals(variant)).connections += window.connections();
	}

	void add(Variant variant, ClosedLoop.Window window) {
		this.totals.computeIfAbsent(variant.key(), (key) -> new Totals(variant)).add(window);
	}

	/**
	 * Leave a variant out of the results (any window it already had included), with the reason.
	 * @param key the variant
	 * @param label what it is
	 * @param reason why it did not run
	 */
	void skip(String key, String label, String reason) {
		this.totals.remove(key);
		Map<String, String> entry = new LinkedHashMap<>();
		entry.put("key", key);
		entry.put("label", label);
		entry.put("reason", reason);
		this.skipped.put(key, entry);
	}

	void write(Path directory) throws IOException {
		Totals reference = this.totals.get("raw");
		List<Map<String, Object>> rows = new ArrayList<>();
		for (Totals t : this.totals.values()) {
			rows.add(t.toMap(reference));
		}
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("run", this.run);
		json.put("variants", rows);
		json.put("skipped", new ArrayList<>(this.skipped.values()));
		json.put("targets", targets());
		new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
			.writeValue(directory.resolve("results.json").toFile(), json);
		Files.writeString(directory.resolve("results.md"), markdown(rows));
		Files.writeString(directory.resolve("share.svg"), chart());
	}

	private String markdown(List<Map<String, Object>> rows) {
		StringBuilder md = new StringBuilder();
		md.append("| variant | RPS | × raw | p50 ms | p99 ms | p99.9 ms | p99 × raw | calls per backend (.2/.3/.4/.5/.6) "
				+ "| max/min | connections | failures | RPS per round |\n");
		md.append("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|\n");
		for (Map<String, Object> r : rows) {
			md.append(String.format(Locale.ROOT, "| %s | %,.0f | %s | %.2f | %.2f | %.2f | %s | %s | %s | %,d | %d | %s |%n",
					r.get("label"), (double) r.get("rps"), ratio(r.get("rpsVsRaw")), (double) r.get("p50Ms"),
					(double) r.get("p99Ms"), (double) r.get("p999Ms"), ratio(r.get("p99VsRaw")), r.get("perBackend"),
					r.get("maxMin") == null ? "∞ (pinned)" : String.format(Locale.ROOT, "%.3f", (double) r.get("maxMin")),
					(long) r.get("connections"), (long) r.get("failures"), r.get("rpsPerRound")));
		}
		for (Map<String, String> skip : this.skipped.values()) {
			md.append("%nSkipped: `%s` (%s): %s%n".formatted(skip.get("key"), skip.get("label"), skip.get("reason")));
		}
		md.append("\n").append(targetsMarkdown());
		md.append("\nMachine: %s cores (%s), %s, %s; HAProxy: %s. %s rounds of %s warm-up + %s window per variant, "
			.formatted(this.run.get("cores"), this.run.get("cpu"), this.run.get("jdk"), this.run.get("os"),
					this.run.get("haproxy"), this.run.get("rounds"), this.run.get("warmUp"), this.run.get("window")));
		md.append("%s calls in flight, variants interleaved. Run at %s.%n".formatted(this.run.get("concurrency"),
				this.run.get("date")));
		return md.toString();
	}

	private Map<String, Object> targets() {
		Map<String, Object> targets = new LinkedHashMap<>();
		Totals starter = this.totals.get("starter");
		Totals raw = this.totals.get("raw");
		if (starter != null && raw != null) {
			targets.put("starterVsRawThroughput", starter.rps() / raw.rps());
			targets.put("starterVsRawP99", starter.p99() / raw.p99());
		}
		Totals dial = this.totals.get("dial");
		if (starter != null && dial != null) {
			targets.put("pooledVsDialThroughputPlaintext", starter.rps() / dial.rps());
		}
		Totals tls = this.totals.get("starter-tls");
		Totals dialTls = this.totals.get("dial-tls");
		if (tls != null && dialTls != null) {
			targets.put("pooledVsDialThroughputTls", tls.rps() / dialTls.rps());
		}
		if (starter != null) {
			targets.put("starterCalls", starter.calls());
			targets.put("starterMaxMin", starter.maxMin());
		}
		Totals l7 = this.totals.get("haproxy-l7");
		if (starter != null && l7 != null) {
			targets.put("starterVsL7Throughput", starter.rps() / l7.rps());
			targets.put("starterVsL7P99", starter.p99() / l7.p99());
		}
		Totals l4 = this.totals.get("haproxy-l4");
		if (l4 != null) {
			targets.put("l4TopBackendShare", l4.topShare());
		}
		return targets;
	}

	private String targetsMarkdown() {
		Map<String, Object> t = targets();
		StringBuilder md = new StringBuilder("| target | goal | measured |\n|---|---|---|\n");
		row(md, t, "starterVsRawThroughput", "starter pooled vs raw grpc-java, throughput", "≥ 0.97×", "%.3f×");
		row(md, t, "starterVsRawP99", "starter pooled vs raw grpc-java, p99", "≤ 1.05×", "%.3f×");
		row(md, t, "pooledVsDialThroughputPlaintext", "pooled vs dial per request, plaintext", "≥ 20×", "%.1f×");
		row(md, t, "pooledVsDialThroughputTls", "pooled vs dial per request, TLS", "≥ 50×", "%.1f×");
		if (t.containsKey("starterMaxMin")) {
			Object maxMin = t.get("starterMaxMin");
			md.append("| evenness over %,d starter calls, 5 backends | max/min ≤ 1.01 | %s |%n".formatted(
					(long) t.get("starterCalls"),
					maxMin == null ? "∞" : String.format(Locale.ROOT, "%.4f", (double) maxMin)));
		}
		row(md, t, "starterVsL7Throughput", "starter vs HAProxy L7 in path, throughput", "≥ 1.5×", "%.2f×");
		row(md, t, "starterVsL7P99", "starter vs HAProxy L7 in path, p99", "≤ 0.7×", "%.2f×");
		if (t.containsKey("l4TopBackendShare")) {
			md.append("| HAProxy L4 reproduces pinning | one backend takes the calls | top backend share %.1f%% |%n"
				.formatted(100 * (double) t.get("l4TopBackendShare")));
		}
		return md.toString();
	}

	private static void row(StringBuilder md, Map<String, Object> t, String key, String what, String goal,
			String format) {
		if (t.containsKey(key)) {
			md.append("| %s | %s | %s |%n".formatted(what, goal, String.format(Locale.ROOT, format, (double) t.get(key))));
		}
	}

	private String chart() {
		int labelWidth = 450;
		int barWidth = 520;
		int rowHeight = 30;
		int top = 50;
		int height = top + rowHeight * this.totals.size() + 40;
		StringBuilder svg = new StringBuilder();
		svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"13\">%n"
			.formatted(labelWidth + barWidth + 90, height));
		svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
		svg.append("<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">Share of calls per backend "
				+ "(5 backends: an even split is 20% each)</text>\n");
		int y = top;
		for (Totals t : this.totals.values()) {
			svg.append("<text x=\"10\" y=\"%d\">%s</text>%n".formatted(y + 19, escape(t.variant.label())));
			double x = labelWidth;
			long calls = t.calls();
			for (int i = 0; i < BenchBackends.ADDRESSES.size(); i++) {
				long count = t.served.getOrDefault(BenchBackends.ADDRESSES.get(i), 0L);
				double w = calls == 0 ? 0 : barWidth * (double) count / calls;
				svg.append(String.format(Locale.ROOT,
						"<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s: %.1f%%</title></rect>%n",
						x, y + 4, w, rowHeight - 8, COLOURS[i], BenchBackends.ADDRESSES.get(i),
						calls == 0 ? 0 : 100.0 * count / calls));
				x += w;
			}
			svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">top %.0f%%</text>%n",
					labelWidth + barWidth + 8, y + 19, 100 * t.topShare()));
			y += rowHeight;
		}
		for (int i = 0; i < BenchBackends.ADDRESSES.size(); i++) {
			int x = labelWidth + i * 100;
			svg.append("<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>%n".formatted(x, y + 12, COLOURS[i]));
			svg.append("<text x=\"%d\" y=\"%d\">%s</text>%n".formatted(x + 16, y + 23, BenchBackends.ADDRESSES.get(i)));
		}
		svg.append("</svg>\n");
		return svg.toString();
	}

	private static String escape(String text) {
		return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
	}

	private static String ratio(Object value) {
		return value == null ? "—" : String.format(Locale.ROOT, "%.3f", (double) value);
	}

	static String cpuModel() {
		try {
			return Files.readAllLines(Path.of("/proc/cpuinfo"))
				.stream()
				.filter((line) -> line.startsWith("model name"))
				.map((line) -> line.substring(line.indexOf(':') + 1).trim())
				.findFirst()
				.orElse("unknown CPU");
		}
		catch (IOException ex) {
			return "unknown CPU";
		}
	}

	private static final class Totals {

		private final Variant variant;

		private final Histogram latencies = new Histogram(3_600_000_000L, 3);

		private final Map<String, Long> served = new LinkedHashMap<>();

		private final List<Long> rpsPerRound = new ArrayList<>();

		private long nanos;

		private long failures;

		private long connections;

		private String lastFailure;

		Totals(Variant variant) {
			this.variant = variant;
		}

		void add(ClosedLoop.Window window) {
			this.latencies.add(window.latencies());
			window.servedBy().forEach((backend, count) -> this.served.merge(backend, count, Long::sum));
			this.nanos += window.nanos();
			this.failures += window.failures();
			this.connections += window.connections();
			if (window.lastFailure() != null) {
				this.lastFailure = window.lastFailure();
			}
			this.rpsPerRound.add(Math.round(window.calls() / (window.nanos() / 1e9)));
		}

		long calls() {
			return this.served.values().stream().mapToLong(Long::longValue).sum();
		}

		double rps() {
			return calls() / (this.nanos / 1e9);
		}

		double p99() {
			return this.latencies.getValueAtPercentile(99) / 1000.0;
		}

		long[] perBackend() {
			return BenchBackends.ADDRESSES.stream().mapToLong((a) -> this.served.getOrDefault(a, 0L)).toArray();
		}

		/** @return max/min calls per backend, {@code null} when a backend got none */
		Double maxMin() {
			long[] counts = perBackend();
			long min = java.util.Arrays.stream(counts).min().orElse(0);
			long max = java.util.Arrays.stream(counts).max().orElse(0);
			return (min == 0) ? null : (double) max / min;
		}

		double topShare() {
			long calls = calls();
			return calls == 0 ? 0 : (double) java.util.Arrays.stream(perBackend()).max().orElse(0) / calls;
		}

		Map<String, Object> toMap(Totals reference) {
			Map<String, Object> map = new LinkedHashMap<>();
			map.put("key", this.variant.key());
			map.put("label", this.variant.label());
			map.put("calls", calls());
			map.put("seconds", this.nanos / 1e9);
			map.put("rps", rps());
			map.put("rpsVsRaw", (reference != null) ? rps() / reference.rps() : null);
			map.put("p50Ms", this.latencies.getValueAtPercentile(50) / 1000.0);
			map.put("p99Ms", p99());
			map.put("p999Ms", this.latencies.getValueAtPercentile(99.9) / 1000.0);
			map.put("p99VsRaw", (reference != null) ? p99() / reference.p99() : null);
			map.put("perBackend", BenchmarkMain.join(perBackend()));
			map.put("maxMin", maxMin());
			map.put("topShare", topShare());
			map.put("connections", this.connections);
			map.put("failures", this.failures);
			map.put("lastFailure", this.lastFailure);
			map.put("rpsPerRound", this.rpsPerRound);
			return map;
		}

	}

}
