package io.github.grpclb.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.grpclb.bench.proto.BenchReply;
import io.github.grpclb.bench.proto.BenchRequest;
import io.github.grpclb.bench.proto.BenchServiceGrpc;
import io.github.grpclb.client.GrpcLbClient;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * How long a new backend waits for its first call after it appears in DNS, for four clients side by side under
 * the same light load: the starter with its default refresh interval (30s) and with 5s, and grpc-java's stock
 * {@code dns:///} resolver against servers without and with a 30s MaxConnectionAge.
 * <p>
 * Names resolve through a hosts file the run rewrites ({@code -Djdk.net.hosts.file}, JVM address cache off with
 * {@code -Dsun.net.inetaddr.ttl=0}), the same source for every client. Options: {@code --window} (75s),
 * {@code --out} (docs/benchmarks).
 */
public final class DiscoveryMain {

	private static final List<String> FIRST_THREE = BenchBackends.ADDRESSES.subList(0, 3);

	private static final String NEW_BACKEND = BenchBackends.ADDRESSES.get(3);

	private DiscoveryMain() {
	}

	public static void main(String[] args) throws Exception {
		Duration window = Duration.ofSeconds(75);
		Path out = Path.of("docs/benchmarks");
		for (String arg : args) {
			if (arg.startsWith("--window=")) {
				window = org.springframework.boot.convert.DurationStyle.detectAndParse(arg.substring(9));
			}
			else if (arg.startsWith("--out=")) {
				out = Path.of(arg.substring(6));
			}
			else {
				throw new IllegalArgumentException("unknown option " + arg + "; known: --window=75s --out=dir");
			}
		}
		String hostsProperty = System.getProperty("jdk.net.hosts.file");
		String jvmTtl = System.getProperty("sun.net.inetaddr.ttl", "30 (JDK default)");
		if (hostsProperty == null) {
			throw new IllegalStateException("run with -Djdk.net.hosts.file=<writable file> -Dsun.net.inetaddr.ttl=0 "
					+ "(benchmarks/run.sh discovery does)");
		}
		Path hosts = Path.of(hostsProperty);
		List<String> names = List.of("starter-30s.bench", "starter-5s.bench", "stock.bench", "stock-mca.bench");
		writeHosts(hosts, names, FIRST_THREE);

		int port = BenchBackends.freePort();
		int mcaPort = BenchBackends.freePort();
		List<Server> servers = new ArrayList<>();
		for (String address : BenchBackends.ADDRESSES) {
			servers.add(server(address, port, null));
			servers.add(server(address, mcaPort, Duration.ofSeconds(30)));
		}
		ConfigurableApplicationContext context = new SpringApplicationBuilder(Clients.BenchApplication.class,
				Stubs.class)
			.web(WebApplicationType.NONE)
			.logStartupInfo(false)
			.properties(Map.of("logging.level.root", "WARN",
					"spring.autoconfigure.exclude",
					"org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
					"grpc.lb.clients.default.target", "dns:///starter-30s.bench:" + port,
					"grpc.lb.clients.fast.target", "dns:///starter-5s.bench:" + port,
					"grpc.lb.clients.fast.resolver.refresh-interval", "5s",
					"grpc.lb.clients.fast.resolver.min-refresh-interval", "1s"))
			.run();
		ManagedChannel stock = NettyChannelBuilder.forTarget("dns:///stock.bench:" + port)
			.defaultLoadBalancingPolicy("round_robin")
			.usePlaintext()
			.build();
		ManagedChannel stockMca = NettyChannelBuilder.forTarget("dns:///stock-mca.bench:" + mcaPort)
			.defaultLoadBalancingPolicy("round_robin")
			.usePlaintext()
			.build();
		Stubs stubs = context.getBean(Stubs.class);
		Map<String, Probe> probes = new LinkedHashMap<>();
		probes.put("starter, refresh-interval 30s (default)", new Probe(stubs.defaultInterval));
		probes.put("starter, refresh-interval 5s", new Probe(stubs.fast));
		probes.put("grpc-java stock dns:///, no MaxConnectionAge", new Probe(BenchServiceGrpc.newStub(stock)));
		probes.put("grpc-java stock dns:///, server MaxConnectionAge 30s", new Probe(BenchServiceGrpc.newStub(stockMca)));
		try {
			probes.values().forEach(Probe::start);
			Thread.sleep(5000);
			for (Probe probe : probes.values()) {
				if (probe.seen.size() != 3) {
					throw new IllegalStateException("warm-up: a client does not reach the three first backends: "
							+ probe.seen.keySet());
				}
			}
			System.out.printf("Adding %s to DNS; watching for %s...%n", NEW_BACKEND, window);
			long added = System.nanoTime();
			writeHosts(hosts, names, BenchBackends.ADDRESSES.subList(0, 4));
			long deadline = added + window.toNanos();
			while (System.nanoTime() < deadline
					&& probes.values().stream().anyMatch((p) -> !p.seen.containsKey(NEW_BACKEND))) {
				Thread.sleep(100);
			}
			Map<String, Object> results = new LinkedHashMap<>();
			StringBuilder md = new StringBuilder("| client | new backend's first call after it appeared in DNS |\n|---|---|\n");
			for (Map.Entry<String, Probe> entry : probes.entrySet()) {
				Long seenAt = entry.getValue().seen.get(NEW_BACKEND);
				Double seconds = (seenAt == null) ? null : (seenAt - added) / 1e9;
				results.put(entry.getKey(), seconds);
				md.append("| %s | %s |%n".formatted(entry.getKey(), (seconds == null)
						? "never within " + window.toSeconds() + " s" : String.format(java.util.Locale.ROOT, "%.1f s", seconds)));
				System.out.printf("%-55s %s%n", entry.getKey(),
						(seconds == null) ? "never within " + window.toSeconds() + " s" : "%.1f s".formatted(seconds));
			}
			md.append("\nJVM DNS cache (sun.net.inetaddr.ttl): ").append(jvmTtl).append(" s. Failed calls during the run: ")
				.append(probes.values().stream().mapToLong((p) -> p.failures).sum())
				.append(". Run at ")
				.append(java.time.OffsetDateTime.now().withNano(0))
				.append(".\n");
			Files.createDirectories(out);
			Files.writeString(out.resolve("discovery.md"), md);
			new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
				.writeValue(out.resolve("discovery.json").toFile(), Map.of("window", window.toString(),
						"jvmDnsCacheTtl", jvmTtl, "secondsToFirstCall", results));
			System.out.println("Wrote " + out.resolve("discovery.md"));
		}
		finally {
			probes.values().forEach(Probe::stop);
			stock.shutdownNow();
			stockMca.shutdownNow();
			context.close();
			servers.forEach(Server::shutdownNow);
		}
	}

	private static void writeHosts(Path hosts, List<String> names, List<String> addresses) throws java.io.IOException {
		StringBuilder text = new StringBuilder("127.0.0.1 localhost\n");
		for (String name : names) {
			addresses.forEach((address) -> text.append(address).append(' ').append(name).append('\n'));
		}
		Path temp = hosts.resolveSibling(hosts.getFileName() + ".tmp");
		Files.writeString(temp, text);
		Files.move(temp, hosts, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
				java.nio.file.StandardCopyOption.ATOMIC_MOVE);
	}

	private static Server server(String address, int port, Duration maxConnectionAge) throws java.io.IOException {
		NettyServerBuilder builder = NettyServerBuilder
			.forAddress(new InetSocketAddress(InetAddress.getByName(address), port))
			.directExecutor()
			.permitKeepAliveTime(5, TimeUnit.SECONDS)
			.permitKeepAliveWithoutCalls(true)
			.addService(new BenchServiceGrpc.BenchServiceImplBase() {
				@Override
				public void call(BenchRequest request, StreamObserver<BenchReply> responseObserver) {
					responseObserver.onNext(BenchReply.newBuilder().setServedBy(address).build());
					responseObserver.onCompleted();
				}
			});
		if (maxConnectionAge != null) {
			builder.maxConnectionAge(maxConnectionAge.toMillis(), TimeUnit.MILLISECONDS)
				.maxConnectionAgeGrace(5, TimeUnit.SECONDS);
		}
		return builder.build().start();
	}

	/** The clients of the starter, injected as applications get them. */
	static class Stubs {

		@GrpcLbClient("default")
		BenchServiceGrpc.BenchServiceStub defaultInterval;

		@GrpcLbClient("fast")
		BenchServiceGrpc.BenchServiceStub fast;

	}

	/** A light closed loop (4 calls in flight, 5 ms apart) that notes when it first sees each backend. */
	private static final class Probe {

		private final BenchServiceGrpc.BenchServiceStub stub;

		private final Map<String, Long> seen = new java.util.concurrent.ConcurrentHashMap<>();

		private volatile boolean running = true;

		private volatile long failures;

		Probe(BenchServiceGrpc.BenchServiceStub stub) {
			this.stub = stub;
		}

		void start() {
			for (int i = 0; i < 4; i++) {
				next();
			}
		}

		void stop() {
			this.running = false;
		}

		private void next() {
			if (!this.running) {
				return;
			}
			this.stub.withDeadlineAfter(5, TimeUnit.SECONDS).call(BenchRequest.getDefaultInstance(), new StreamObserver<>() {
				@Override
				public void onNext(BenchReply reply) {
					Probe.this.seen.putIfAbsent(reply.getServedBy(), System.nanoTime());
				}

				@Override
				public void onError(Throwable t) {
					Probe.this.failures++;
					later();
				}

				@Override
				public void onCompleted() {
					later();
				}
			});
		}

		private void later() {
			java.util.concurrent.CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS).execute(this::next);
		}

	}

}
