package io.github.grpclb.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.github.grpclb.bench.proto.BenchServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import org.springframework.boot.convert.DurationStyle;

/**
 * Runs every variant against the same five backends, interleaved, for several rounds, and writes
 * {@code results.md}, {@code results.json} and {@code share.svg}.
 * <p>
 * Options ({@code --name=value}): {@code rounds} (3), {@code warmup} (3s), {@code window} (8s), {@code concurrency}
 * (32), {@code out} (docs/benchmarks), {@code only} (comma-separated variant keys), {@code boot4-jar}
 * (benchmarks-boot4/target/benchmarks-boot4.jar).
 * <p>
 * The Spring Boot 4 variants ({@link #BOOT4_VARIANTS}) run in a child JVM started from {@code boot4-jar} once per
 * run, which this JVM drives with {@link LoadProtocol}: they take their turn in every round like the others, against
 * the same backends. When the jar is missing or the child fails, they are reported as skipped, with the reason.
 */
public final class BenchmarkMain {

	/** The variants the Spring Boot 4 child JVM runs (keys as in {@code Boot4LoadMain}), with their labels. */
	static final Map<String, String> BOOT4_VARIANTS = new LinkedHashMap<>();

	static {
		BOOT4_VARIANTS.put("starter-boot4", "starter on Boot 4.1, pooled round_robin (@GrpcLbClient; Boot 4 JVM)");
		BOOT4_VARIANTS.put("spring-grpc", "Spring gRPC channel, dns:///, its defaults (round_robin; Boot 4 JVM)");
	}

	private static final String BOOT4_JAR = "benchmarks-boot4/target/benchmarks-boot4.jar";

	private BenchmarkMain() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = options(args);
		Settings settings = new Settings(Integer.parseInt(options.getOrDefault("rounds", "3")),
				DurationStyle.detectAndParse(options.getOrDefault("warmup", "3s")),
				DurationStyle.detectAndParse(options.getOrDefault("window", "8s")),
				Integer.parseInt(options.getOrDefault("concurrency", "32")),
				Path.of(options.getOrDefault("out", "docs/benchmarks")),
				options.containsKey("only") ? Set.of(options.get("only").split(",")) : null,
				Path.of(options.getOrDefault("boot4-jar", BOOT4_JAR)));
		Set<String> only = settings.only();
		requireBenchHosts();
		Files.createDirectories(settings.out());
		Path work = Files.createTempDirectory("grpc-lb-bench");
		Certificates certificates = Certificates.generate(work);

		try (BenchBackends backends = new BenchBackends(certificates.serverCredentials());
				HaProxy proxy = HaProxy.startIfInstalled(work, backends.plainPort());
				Clients clients = new Clients()) {
			String plainTarget = "dns:///backends.bench:" + backends.plainPort();
			Map<String, Object> properties = new HashMap<>();
			properties.put("logging.level.root", "WARN");
			properties.put("grpc.lb.clients.plain.target", plainTarget);
			properties.put("grpc.lb.clients.plain-stock-resolver.target", plainTarget);
			properties.put("grpc.lb.clients.plain-stock-resolver.resolver.type", "grpc");
			properties.put("grpc.lb.clients.plain-bare.target", plainTarget);
			properties.put("grpc.lb.clients.plain-bare.health-check.enabled", "false");
			properties.put("grpc.lb.clients.plain-bare.outlier-detection.enabled", "false");
			properties.put("grpc.lb.clients.plain-bare.retry.throttling.enabled", "false");
			properties.put("grpc.lb.clients.plain-no-retry.target", plainTarget);
			properties.put("grpc.lb.clients.plain-no-retry.retry.enabled", "false");
			properties.put("grpc.lb.clients.tls.target", "dns:///backends.bench:" + backends.tlsPort());
			properties.put("grpc.lb.clients.tls.negotiation", "tls");
			properties.put("grpc.lb.clients.tls.tls.trust-cert-collection", "file:" + certificates.certificatePem());
			// Without haproxy these clients exist but are never called.
			properties.put("grpc.lb.clients.l4.target", "127.0.0.1:" + (proxy != null ? proxy.l4Port() : 9));
			properties.put("grpc.lb.clients.l7.target", "127.0.0.1:" + (proxy != null ? proxy.l7Port() : 9));
			// net.devh's own clients keep net.devh's defaults: the starter must not apply its policy to them.
			properties.put("grpc.lb.net-devh.enabled", "false");
			properties.put("grpc.client.devh-default.address", plainTarget);
			properties.put("grpc.client.devh-default.negotiation-type", "plaintext");
			properties.put("grpc.client.devh-rr.address", plainTarget);
			properties.put("grpc.client.devh-rr.negotiation-type", "plaintext");
			properties.put("grpc.client.devh-rr.default-load-balancing-policy", "round_robin");

			// The Spring Boot 4 variants run in a child JVM (Boot 3.5 and 4.1 cannot share one), started now so that
			// it gets ready while this JVM starts its own applications.
			Map<String, String> skipped = new LinkedHashMap<>();
			ChildJvm boot4 = null;
			if (only == null || BOOT4_VARIANTS.keySet().stream().anyMatch(only::contains)) {
				try {
					boot4 = ChildJvm.start("boot4", settings.boot4Jar(), List.of("--target=" + plainTarget));
					System.out.printf("Spring Boot 4 variants: child JVM %d starting%n", boot4.pid());
				}
				catch (ChildJvm.Failure ex) {
					BOOT4_VARIANTS.keySet().forEach((key) -> skipped.put(key, ex.getMessage()));
				}
			}
			try (ChildJvm child = boot4) {
				run(settings, backends, proxy, clients, properties, plainTarget, child, skipped);
			}
		}
	}

	/**
	 * Start this JVM's applications, then run every selected variant for the JIT warm-up and the rounds.
	 * @param boot4 the Boot 4 child JVM, still starting, or {@code null}
	 * @param skipped variants that will not run, with the reason (the caller's; more are added here)
	 */
	private static void run(Settings settings, BenchBackends backends, HaProxy proxy, Clients clients,
			Map<String, Object> properties, String plainTarget, ChildJvm boot4, Map<String, String> skipped)
			throws Exception {
		Set<String> only = settings.only();
		int rounds = settings.rounds();
		Duration warmUp = settings.warmUp();
		Duration window = settings.window();
		int concurrency = settings.concurrency();
		Path out = settings.out();
		Clients.StarterStubs pooled = clients.start(properties, false);
		Clients.StarterStubs metered = clients.start(properties, true);
		Map<String, Object> ownMetricsOnly = new HashMap<>(properties);
		ownMetricsOnly.put("spring.autoconfigure.exclude", String.join(",",
				"net.devh.boot.grpc.client.autoconfigure.GrpcClientMetricAutoConfiguration",
				"net.devh.boot.grpc.client.autoconfigure.GrpcClientMicrometerTraceAutoConfiguration"));
		Clients.StarterStubs meteredOwn = clients.start(ownMetricsOnly, true);
		Map<String, Object> dialProperties = new HashMap<>(properties);
		dialProperties.put("grpc.lb.pooling.enabled", "false");
		Clients.StarterStubs dial = clients.start(dialProperties, false);
		ManagedChannel raw = NettyChannelBuilder.forTarget(plainTarget)
			.defaultLoadBalancingPolicy("round_robin")
			.usePlaintext()
			.build();
		try {
			List<Variant> variants = new ArrayList<>(List.of(
					new Variant("starter", "starter, pooled round_robin (@GrpcLbClient)", () -> pooled.plain),
					new Variant("starter-stock-resolver", "starter, pooled, grpc-java's stock DNS resolver",
							() -> pooled.plainStockResolver),
					new Variant("starter-no-resilience",
							"starter, pooled, health checking, outlier ejection and retry budget off",
							() -> pooled.plainBare),
					new Variant("starter-no-retry", "starter, pooled, retry.enabled=false", () -> pooled.plainNoRetry),
					new Variant("raw", "raw grpc-java, dns:/// + round_robin (reference)",
							() -> BenchServiceGrpc.newStub(raw)),
					new Variant("starter-metrics", "starter, pooled, Actuator metrics on (starter's + net.devh's)",
							() -> metered.plain),
					new Variant("starter-metrics-own", "starter, pooled, Actuator metrics on, net.devh's metrics off",
							() -> meteredOwn.plain),
					new Variant("dial", "starter, pooling off (dial per request)", () -> dial.plain),
					new Variant("starter-tls", "starter, pooled, TLS", () -> pooled.tls),
					new Variant("dial-tls", "starter, pooling off, TLS", () -> dial.tls),
					new Variant("devh-default", "net.devh @GrpcClient, dns:///, its default policy",
							() -> pooled.devhDefault),
					new Variant("devh-rr", "net.devh @GrpcClient, dns:///, round_robin",
							() -> pooled.devhRoundRobin)));
			BOOT4_VARIANTS.forEach((key, label) -> variants.add(Variant.inChild(key, label, boot4)));
			variants.add(new Variant("haproxy-l4", "starter -> HAProxy mode tcp (L4, kube-proxy stand-in)",
					() -> pooled.l4));
			variants.add(new Variant("haproxy-l7", "starter -> HAProxy HTTP/2 (L7, mesh stand-in)",
					() -> pooled.l7));
			Map<String, String> labels = variants.stream().collect(Collectors.toMap(Variant::key, Variant::label));
			if (only != null) {
				Set<String> keys = variants.stream().map(Variant::key).collect(Collectors.toSet());
				List<String> unknown = only.stream().filter((key) -> !keys.contains(key)).sorted().toList();
				if (!unknown.isEmpty()) {
					throw new IllegalArgumentException("unknown variant(s) in --only: " + unknown + "; known: "
							+ variants.stream().map(Variant::key).toList());
				}
				variants.removeIf((variant) -> !only.contains(variant.key()));
			}
			if (proxy == null) {
				System.out.println("haproxy is not installed: the L4/L7 proxy variants are skipped "
						+ "(benchmarks/run.sh installs it).");
				variants.stream()
					.filter((variant) -> variant.key().startsWith("haproxy-"))
					.forEach((variant) -> skipped.put(variant.key(), "HAProxy is not installed"));
			}
			if (boot4 != null) {
				try {
					Set<String> ready = boot4.awaitReady(Duration.ofMinutes(3));
					System.out.printf("Spring Boot 4 variants: child JVM ready %.1f s after it was started, runs %s%n",
							boot4.age().toMillis() / 1e3, ready);
					BOOT4_VARIANTS.keySet()
						.stream()
						.filter((key) -> !ready.contains(key))
						.forEach((key) -> skipped.put(key, "the child JVM does not run it (it runs " + ready + ")"));
				}
				catch (ChildJvm.Failure ex) {
					BOOT4_VARIANTS.keySet().forEach((key) -> skipped.put(key, ex.getMessage()));
				}
			}
			variants.removeIf((variant) -> skipped.containsKey(variant.key()));
			Report report = new Report(rounds, warmUp, window, concurrency,
					(proxy != null) ? proxy.version() : "not installed");
			skipped.forEach((key, reason) -> {
				if (only == null || only.contains(key)) {
					System.out.printf("Skipped %s: %s%n", key, reason);
					report.skip(key, labels.getOrDefault(key, key), reason);
				}
			});
			ClosedLoop loop = new ClosedLoop(concurrency, warmUp, window);
			System.out.printf("%d variants x %d rounds, %s warm-up + %s window each, %d calls in flight%n",
					variants.size(), rounds, warmUp, window, concurrency);
			// Variants that failed in a child JVM during the run: left out from then on and reported as skipped.
			Set<String> dropped = new HashSet<>();
			// JIT warm-up of every code path before anything is measured (the first windows are several times
			// slower otherwise); these windows are discarded.
			ClosedLoop jitWarmUp = new ClosedLoop(concurrency, warmUp, Duration.ofSeconds(1));
			for (Variant variant : variants) {
				if (dropped.contains(variant.key())) {
					continue;
				}
				ClosedLoop.Window result = measure(variant, jitWarmUp, backends, variants, dropped, report,
						"the JIT warm-up");
				if (result != null) {
					report.addWarmUp(variant, result);
				}
			}
			for (int round = 0; round < rounds; round++) {
				// Rotate the order so no variant always runs first or last.
				for (int i = 0; i < variants.size(); i++) {
					Variant variant = variants.get((i + round) % variants.size());
					if (dropped.contains(variant.key())) {
						continue;
					}
					ClosedLoop.Window result = measure(variant, loop, backends, variants, dropped, report,
							"round " + (round + 1));
					if (result == null) {
						continue;
					}
					report.add(variant, result);
					System.out.printf("round %d  %-16s %9.0f rps  p99 %7.2f ms  failures %d  connections %d%n",
							round + 1, variant.key(), result.calls() / (result.nanos() / 1e9),
							result.latencies().getValueAtPercentile(99) / 1000.0, result.failures(),
							result.connections());
				}
			}
			report.write(out);
			System.out.println();
			System.out.println(Files.readString(out.resolve("results.md")));
			System.out.println("Wrote " + out.resolve("results.md") + ", " + out.resolve("results.json") + ", "
					+ out.resolve("share.svg"));
		}
		finally {
			raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
	}

	/**
	 * Run a variant; when it fails in its child JVM, leave it (or all of that JVM's variants, when the JVM is gone)
	 * out from then on and report them as skipped.
	 * @return its window, or {@code null} when it failed
	 */
	private static ClosedLoop.Window measure(Variant variant, ClosedLoop loop, BenchBackends backends,
			List<Variant> variants, Set<String> dropped, Report report, String when) throws InterruptedException {
		try {
			return variant.run(loop, backends);
		}
		catch (ChildJvm.Failure ex) {
			String reason = "failed in " + when + ": " + ex.getMessage();
			for (Variant other : variants) {
				if (other == variant || (ex.childGone() && other.child() != null && other.child() == variant.child()
						&& !dropped.contains(other.key()))) {
					dropped.add(other.key());
					report.skip(other.key(), other.label(), reason);
					System.out.printf("Skipped %s from now on: %s%n", other.key(), reason);
				}
			}
			return null;
		}
	}

	private static Map<String, String> options(String[] args) {
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			if (!arg.startsWith("--") || !arg.contains("=")) {
				throw new IllegalArgumentException("options look like --name=value; got '" + arg + "'. Known: "
						+ "--rounds --warmup --window --concurrency --out --only --boot4-jar");
			}
			String[] pair = arg.substring(2).split("=", 2);
			options.put(pair[0], pair[1]);
		}
		Set<String> known = Set.of("rounds", "warmup", "window", "concurrency", "out", "only", "boot4-jar");
		List<String> unknown = options.keySet().stream().filter((k) -> !known.contains(k)).toList();
		if (!unknown.isEmpty()) {
			throw new IllegalArgumentException("unknown option(s) " + unknown + "; known: " + known);
		}
		return options;
	}

	static String join(long[] values) {
		StringBuilder out = new StringBuilder();
		for (long value : values) {
			out.append(out.isEmpty() ? "" : "/").append(value);
		}
		return out.toString();
	}

	private static void requireBenchHosts() {
		int addresses;
		try {
			addresses = java.net.InetAddress.getAllByName("backends.bench").length;
		}
		catch (java.net.UnknownHostException ex) {
			addresses = 0;
		}
		if (addresses != BenchBackends.ADDRESSES.size()) {
			throw new IllegalStateException("backends.bench must resolve to 127.0.0.2..6 (it resolves to "
					+ addresses + " addresses): run with -Djdk.net.hosts.file=benchmarks/bench-hosts, "
					+ "as benchmarks/run.sh does");
		}
	}

	/** The run's options. */
	private record Settings(int rounds, Duration warmUp, Duration window, int concurrency, Path out, Set<String> only,
			Path boot4Jar) {
	}

}
