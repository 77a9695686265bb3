package io.github.grpclb.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.github.grpclb.bench.proto.BenchServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import org.springframework.boot.convert.DurationStyle;

/**
 * Runs every variant against the same five backends, interleaved, for several rounds, and writes
 * {@code results.md}, {@code results.json} and {@code share.svg}.
 * <p>
 * Options ({@code --name=value}): {@code rounds} (3), {@code warmup} (3s), {@code window} (8s), {@code concurrency}
 * (32), {@code out} (docs/benchmarks), {@code only} (comma-separated variant keys).
 */
public final class BenchmarkMain {

	private BenchmarkMain() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = options(args);
		int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
		Duration warmUp = DurationStyle.detectAndParse(options.getOrDefault("warmup", "3s"));
		Duration window = DurationStyle.detectAndParse(options.getOrDefault("window", "8s"));
		int concurrency = Integer.parseInt(options.getOrDefault("concurrency", "32"));
		Path out = Path.of(options.getOrDefault("out", "docs/benchmarks"));
		Set<String> only = options.containsKey("only") ? Set.of(options.get("only").split(",")) : null;
		requireBenchHosts();
		Files.createDirectories(out);
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
				if (proxy != null) {
					variants.add(new Variant("haproxy-l4", "starter -> HAProxy mode tcp (L4, kube-proxy stand-in)",
							() -> pooled.l4));
					variants.add(new Variant("haproxy-l7", "starter -> HAProxy HTTP/2 (L7, mesh stand-in)",
							() -> pooled.l7));
				}
				else {
					System.out.println("haproxy is not installed: the L4/L7 proxy variants are skipped "
							+ "(benchmarks/run.sh installs it).");
				}
				if (only != null) {
					variants.removeIf((variant) -> !only.contains(variant.key()));
				}
				Report report = new Report(rounds, warmUp, window, concurrency,
						(proxy != null) ? proxy.version() : "not installed");
				ClosedLoop loop = new ClosedLoop(concurrency, warmUp, window);
				System.out.printf("%d variants x %d rounds, %s warm-up + %s window each, %d calls in flight%n",
						variants.size(), rounds, warmUp, window, concurrency);
				// JIT warm-up of every code path before anything is measured (the first windows are several times
				// slower otherwise); these windows are discarded.
				ClosedLoop jitWarmUp = new ClosedLoop(concurrency, warmUp, Duration.ofSeconds(1));
				for (Variant variant : variants) {
					report.addWarmUp(variant, jitWarmUp.run(variant.stub().get(), backends));
				}
				for (int round = 0; round < rounds; round++) {
					// Rotate the order so no variant always runs first or last.
					for (int i = 0; i < variants.size(); i++) {
						Variant variant = variants.get((i + round) % variants.size());
						ClosedLoop.Window result = loop.run(variant.stub().get(), backends);
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
	}

	private static Map<String, String> options(String[] args) {
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			if (!arg.startsWith("--") || !arg.contains("=")) {
				throw new IllegalArgumentException("options look like --name=value; got '" + arg + "'. Known: "
						+ "--rounds --warmup --window --concurrency --out --only");
			}
			String[] pair = arg.substring(2).split("=", 2);
			options.put(pair[0], pair[1]);
		}
		Set<String> known = Set.of("rounds", "warmup", "window", "concurrency", "out", "only");
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

}
