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
import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.client.GrpcLbClient;
import io.github.grpclb.test.kubernetes.KubernetesApi;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * How long a new backend waits for its first call after it appears in DNS, for clients side by side under the same
 * light load. Two sources of names:
 * <ul>
 * <li>{@code --source=hosts-file} (default): a hosts file the run rewrites ({@code -Djdk.net.hosts.file}, JVM address
 * cache off with {@code -Dsun.net.inetaddr.ttl=0}), the same source for every DNS client, and at the same moment
 * the EndpointSlice of a Service in a Kubernetes API server (fabric8's mock, in this process) for the
 * {@code kubernetes:///} client. Five clients: the starter with its default refresh interval (30s) and with 5s, the
 * starter watching the EndpointSlices, and grpc-java's stock {@code dns:///} resolver against servers without and
 * with a 30s MaxConnectionAge. Second phase: the first backend leaves (removed from DNS; in the slice, terminating
 * as when its pod is deleted, while it keeps serving like a pod in its preStop sleep), and the run reports each
 * client's last call to it after that moment.</li>
 * <li>{@code --source=system-dns}: a DNS server in this process on 127.0.0.1:53 that the system resolver
 * configuration ({@code /etc/resolv.conf}) names, with a pod's search list and {@code ndots:5}; the targets are short
 * Service names ({@code dns:///starter-default:port}). No JVM DNS flag: this is what an application gets with the
 * defaults. {@code benchmarks/run.sh discovery-system-dns} runs it in its own network and mount namespace with such a
 * resolv.conf bind-mounted, so the machine's own configuration is untouched. Clients: the starter with its defaults
 * ({@code --clients}, 6, each with its own Service name, started at staggered times over 30s so that their refresh
 * cycles sit at different phases when DNS changes), the starter with a 5s refresh interval, and grpc-java's stock
 * resolver against servers with a 30s MaxConnectionAge. {@code --ttl} (30s) is the TTL of the records.</li>
 * </ul>
 * Other options: {@code --window} (75s), {@code --out} (docs/benchmarks), {@code --name} (file name without
 * extension: discovery, or discovery-system-dns).
 */
public final class DiscoveryMain {

	private static final List<String> FIRST_THREE = BenchBackends.ADDRESSES.subList(0, 3);

	private static final String NEW_BACKEND = BenchBackends.ADDRESSES.get(3);

	private DiscoveryMain() {
	}

	public static void main(String[] args) throws Exception {
		Duration window = Duration.ofSeconds(75);
		Path out = Path.of("docs/benchmarks");
		String source = "hosts-file";
		String name = null;
		Duration ttl = Duration.ofSeconds(30);
		int staggered = 6;
		for (String arg : args) {
			if (arg.startsWith("--window=")) {
				window = org.springframework.boot.convert.DurationStyle.detectAndParse(arg.substring(9));
			}
			else if (arg.startsWith("--out=")) {
				out = Path.of(arg.substring(6));
			}
			else if (arg.startsWith("--source=")) {
				source = arg.substring(9);
			}
			else if (arg.startsWith("--name=")) {
				name = arg.substring(7);
			}
			else if (arg.startsWith("--clients=")) {
				staggered = Integer.parseInt(arg.substring(10));
			}
			else if (arg.startsWith("--ttl=")) {
				ttl = org.springframework.boot.convert.DurationStyle.detectAndParse(arg.substring(6));
			}
			else {
				throw new IllegalArgumentException("unknown option " + arg
						+ "; known: --window=75s --out=dir --source=hosts-file|system-dns --ttl=30s --clients=6 --name=file");
			}
		}
		if (source.equals("hosts-file")) {
			hostsFile(window, out, (name != null) ? name : "discovery");
		}
		else if (source.equals("system-dns")) {
			systemDns(window, out, (name != null) ? name : "discovery-system-dns", ttl, staggered);
		}
		else {
			throw new IllegalArgumentException("--source must be hosts-file or system-dns, not " + source);
		}
	}

	private static void hostsFile(Duration window, Path out, String name) throws Exception {
		String hostsProperty = System.getProperty("jdk.net.hosts.file");
		String jvmTtl = System.getProperty("sun.net.inetaddr.ttl", "30 (JDK default)");
		if (hostsProperty == null) {
			throw new IllegalStateException("run with -Djdk.net.hosts.file=<writable file> -Dsun.net.inetaddr.ttl=0 "
					+ "(benchmarks/run.sh discovery does)");
		}
		Path hosts = Path.of(hostsProperty);
		List<String> names = List.of("starter-30s.bench", "starter-5s.bench", "stock.bench", "stock-mca.bench");
		writeHosts(hosts, names, FIRST_THREE);
		KubernetesApi api = KubernetesApi.start();
		KubernetesClients.api = api;

		int port = BenchBackends.freePort();
		int mcaPort = BenchBackends.freePort();
		List<Server> servers = new ArrayList<>();
		for (String address : BenchBackends.ADDRESSES) {
			servers.add(server(address, port, null));
			servers.add(server(address, mcaPort, Duration.ofSeconds(30)));
		}
		api.apply(slice(port, BenchBackends.ADDRESSES.subList(0, 3), null));
		ConfigurableApplicationContext context = starter(Map.of("grpc.lb.clients.default.target",
				"dns:///starter-30s.bench:" + port, "grpc.lb.clients.fast.target", "dns:///starter-5s.bench:" + port,
				"grpc.lb.clients.watch.target", "kubernetes:///bench.shop:grpc"), Stubs.class, KubernetesClients.class);
		ManagedChannel stock = stock("dns:///stock.bench:" + port);
		ManagedChannel stockMca = stock("dns:///stock-mca.bench:" + mcaPort);
		Stubs stubs = context.getBean(Stubs.class);
		Map<String, List<Probe>> probes = new LinkedHashMap<>();
		probes.put("starter, refresh-interval 30s (default)", List.of(new Probe(stubs.defaultInterval)));
		probes.put("starter, refresh-interval 5s", List.of(new Probe(stubs.fast)));
		probes.put("starter, kubernetes:/// (EndpointSlice watch)", List.of(new Probe(stubs.watch)));
		probes.put("grpc-java stock dns:///, no MaxConnectionAge", List.of(new Probe(BenchServiceGrpc.newStub(stock))));
		probes.put("grpc-java stock dns:///, server MaxConnectionAge 30s",
				List.of(new Probe(BenchServiceGrpc.newStub(stockMca))));
		try {
			probes.values().forEach((list) -> list.forEach(Probe::start));
			measure(probes, window, () -> {
				writeHosts(hosts, names, BenchBackends.ADDRESSES.subList(0, 4));
				api.apply(slice(port, BenchBackends.ADDRESSES.subList(0, 4), null));
			}, () -> {
				writeHosts(hosts, names, BenchBackends.ADDRESSES.subList(1, 4));
				api.apply(slice(port, BenchBackends.ADDRESSES.subList(1, 4), BenchBackends.ADDRESSES.get(0)));
			}, out, name, "JVM DNS cache (sun.net.inetaddr.ttl): " + jvmTtl + " s. The EndpointSlice is changed "
					+ "right after the hosts file, in fabric8's mock API server in this process (watch over loopback "
					+ "HTTP/1.1, JDK client).", Map.of("jvmDnsCacheTtl", jvmTtl));
		}
		finally {
			api.close();
			probes.values().forEach((list) -> list.forEach(Probe::stop));
			stock.shutdownNow();
			stockMca.shutdownNow();
			context.close();
			servers.forEach(Server::shutdownNow);
		}
	}

	private static void systemDns(Duration window, Path out, String name, Duration ttl, int staggered)
			throws Exception {
		for (String property : List.of("jdk.net.hosts.file", "sun.net.inetaddr.ttl")) {
			if (System.getProperty(property) != null) {
				throw new IllegalStateException("--source=system-dns measures the defaults: run without -D" + property);
			}
		}
		String resolvConf = Files.readString(Path.of("/etc/resolv.conf"));
		if (!resolvConf.lines().map(String::trim).filter((l) -> l.startsWith("nameserver")).findFirst()
			.orElse("").matches("nameserver\\s+127\\.0\\.0\\.1")) {
			throw new IllegalStateException("/etc/resolv.conf must name 127.0.0.1 as its first nameserver (run it with "
					+ "benchmarks/run.sh discovery-system-dns, which does so in a namespace of its own):\n" + resolvConf);
		}
		String domain = "bench.svc.cluster.local";
		// One Service name per client: clients with the same target would share one pooled channel.
		List<String> services = new ArrayList<>();
		Map<String, Object> properties = new LinkedHashMap<>();
		int port = BenchBackends.freePort();
		int mcaPort = BenchBackends.freePort();
		for (int i = 0; i < staggered; i++) {
			services.add("starter-default-" + i);
			properties.put("grpc.lb.clients.default-" + i + ".target", "dns:///starter-default-" + i + ":" + port);
		}
		services.add("starter-5s");
		properties.put("grpc.lb.clients.fast.target", "dns:///starter-5s:" + port);
		services.add("stock-mca");
		List<Server> servers = new ArrayList<>();
		for (String address : BenchBackends.ADDRESSES) {
			servers.add(server(address, port, null));
			servers.add(server(address, mcaPort, Duration.ofSeconds(30)));
		}
		try (BenchDns dns = new BenchDns(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 53), ttl.toSeconds())) {
			for (String service : services) {
				dns.publish(service + "." + domain, FIRST_THREE);
			}
			ConfigurableApplicationContext context = starter(properties);
			ManagedChannel stockMca = stock("dns:///stock-mca:" + mcaPort);
			GrpcLbChannelRegistry registry = context.getBean(GrpcLbChannelRegistry.class);
			List<Probe> defaults = new ArrayList<>();
			for (int i = 0; i < staggered; i++) {
				defaults.add(new Probe(BenchServiceGrpc.newStub(registry.channel("default-" + i))));
			}
			Map<String, List<Probe>> probes = new LinkedHashMap<>();
			probes.put("starter, defaults (refresh-interval 30s), no JVM DNS flag", defaults);
			probes.put("starter, refresh-interval 5s, no JVM DNS flag",
					List.of(new Probe(BenchServiceGrpc.newStub(registry.channel("fast")))));
			probes.put("grpc-java stock dns:///, server MaxConnectionAge 30s",
					List.of(new Probe(BenchServiceGrpc.newStub(stockMca))));
			try {
				// The clients with defaults start (and look their names up) at staggered times, so that their 30s
				// refresh cycles — and the JVM cache's, where it is used — sit at different phases when DNS changes.
				long gap = Duration.ofSeconds(30).toMillis() / staggered;
				for (int i = 0; i < staggered; i++) {
					if (i > 0) {
						Thread.sleep(gap);
					}
					defaults.get(i).start();
				}
				probes.values().stream().skip(1).forEach((list) -> list.forEach(Probe::start));
				measure(probes, window, () -> {
					for (String service : services) {
						dns.publish(service + "." + domain, BenchBackends.ADDRESSES.subList(0, 4));
					}
				}, null, out, name, "Names from a DNS server named by /etc/resolv.conf (search " + domain
						+ " …, ndots:5; targets are short names), record TTL " + ttl.toSeconds()
						+ " s, no JVM DNS flag (the JDK caches for 30 s by default). The " + staggered
						+ " clients with defaults started " + gap / 1000.0 + " s apart.",
						Map.of("recordTtlSeconds", ttl.toSeconds(), "resolvConf", resolvConf,
								"clientsWithDefaultsStartedApartMillis", gap));
			}
			finally {
				probes.values().forEach((list) -> list.forEach(Probe::stop));
				stockMca.shutdownNow();
				context.close();
			}
		}
		finally {
			servers.forEach(Server::shutdownNow);
		}
	}

	private static ConfigurableApplicationContext starter(Map<String, ?> targets, Class<?>... sources) {
		Map<String, Object> properties = new LinkedHashMap<>(Map.of("logging.level.root", "WARN",
				"grpc.lb.clients.fast.resolver.refresh-interval", "5s",
				"grpc.lb.clients.fast.resolver.min-refresh-interval", "1s"));
		properties.putAll(targets);
		return Clients.application(properties, false, sources);
	}

	private static ManagedChannel stock(String target) {
		return NettyChannelBuilder.forTarget(target).defaultLoadBalancingPolicy("round_robin").usePlaintext().build();
	}

	/** Something that makes the new backend appear in DNS. */
	@FunctionalInterface
	private interface Change {

		void apply() throws java.io.IOException;

	}

	/**
	 * The Service's EndpointSlice: ready endpoints, and one terminating (as the controller writes a deleted pod).
	 */
	private static io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice slice(int port, List<String> ready,
			String terminating) {
		List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> endpoints = new ArrayList<>();
		ready.forEach((address) -> endpoints.add(KubernetesApi.ready(address, null)));
		if (terminating != null) {
			endpoints.add(KubernetesApi.endpoint(terminating, false, true, true, null));
		}
		return KubernetesApi.slice("bench-a", "bench", Map.of("grpc", port),
				endpoints.toArray(io.fabric8.kubernetes.api.model.discovery.v1.Endpoint[]::new));
	}

	private static void measure(Map<String, List<Probe>> probes, Duration window, Change addBackend,
			Change removeBackend, Path out, String name, String conditions, Map<String, Object> extra)
			throws Exception {
		Thread.sleep(5000);
		for (List<Probe> list : probes.values()) {
			for (Probe probe : list) {
				if (probe.seen.size() != 3) {
					throw new IllegalStateException("warm-up: a client does not reach the three first backends: "
							+ probe.seen.keySet());
				}
			}
		}
		System.out.printf("Adding %s to DNS; watching for %s...%n", NEW_BACKEND, window);
		long added = System.nanoTime();
		addBackend.apply();
		long deadline = added + window.toNanos();
		while (System.nanoTime() < deadline && probes.values().stream()
			.anyMatch((list) -> list.stream().anyMatch((p) -> !p.seen.containsKey(NEW_BACKEND)))) {
			Thread.sleep(100);
		}
		Map<String, Object> removals = new LinkedHashMap<>();
		Map<String, String> removalShown = new LinkedHashMap<>();
		long removed = 0;
		if (removeBackend != null) {
			String leaving = BenchBackends.ADDRESSES.get(0);
			System.out.printf("Removing %s (DNS; terminating in the EndpointSlice); watching for %s...%n", leaving,
					window);
			removed = System.nanoTime();
			removeBackend.apply();
			Thread.sleep(window.toMillis());
			long end = System.nanoTime();
			for (Map.Entry<String, List<Probe>> entry : probes.entrySet()) {
				Probe probe = entry.getValue().get(0);
				Long last = probe.lastSeen.get(leaving);
				boolean stillCalling = last != null && end - last < Duration.ofSeconds(1).toNanos();
				Double seconds = (last == null || last < removed) ? Double.valueOf(0)
						: stillCalling ? null : Double.valueOf((last - removed) / 1e9);
				removals.put(entry.getKey(), seconds);
				removalShown.put(entry.getKey(), (seconds == null) ? "still calling after " + window.toSeconds() + " s"
						: (seconds == 0) ? "no call after it left"
								: String.format(java.util.Locale.ROOT, "%.2f s", seconds));
			}
		}
		Map<String, Object> results = new LinkedHashMap<>();
		StringBuilder md = new StringBuilder((removeBackend != null)
				? "| client | new backend's first call after it appeared | leaving backend's last call after it left |\n"
						+ "|---|---|---|\n"
				: "| client | new backend's first call after it appeared in DNS |\n|---|---|\n");
		long failures = 0;
		for (Map.Entry<String, List<Probe>> entry : probes.entrySet()) {
			List<Double> seconds = new ArrayList<>();
			for (Probe probe : entry.getValue()) {
				Long seenAt = probe.seen.get(NEW_BACKEND);
				seconds.add((seenAt == null) ? null : (seenAt - added) / 1e9);
				failures += probe.failures;
			}
			results.put(entry.getKey(), (seconds.size() == 1) ? seconds.get(0) : seconds);
			String shown = shown(seconds, window);
			if (removeBackend != null) {
				md.append("| %s | %s | %s |%n".formatted(entry.getKey(), shown, removalShown.get(entry.getKey())));
				System.out.printf("%-60s %-16s %s%n", entry.getKey(), shown, removalShown.get(entry.getKey()));
			}
			else {
				md.append("| %s | %s |%n".formatted(entry.getKey(), shown));
				System.out.printf("%-60s %s%n", entry.getKey(), shown);
			}
		}
		md.append("\n").append(conditions).append(" Failed calls during the run: ")
			.append(failures)
			.append(". Run at ")
			.append(java.time.OffsetDateTime.now().withNano(0))
			.append(".\n");
		Files.createDirectories(out);
		Files.writeString(out.resolve(name + ".md"), md);
		Map<String, Object> json = new LinkedHashMap<>(extra);
		json.put("window", window.toString());
		json.put("secondsToFirstCall", results);
		if (removeBackend != null) {
			json.put("secondsToLastCallAfterLeaving", removals);
		}
		new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve(name + ".json").toFile(), json);
		System.out.println("Wrote " + out.resolve(name + ".md"));
	}

	/** One client: "12.3 s"; several: "max 31.0 s, median 20.2 s (clients: 5.1, 12.0, …)". */
	private static String shown(List<Double> seconds, Duration window) {
		java.util.function.Function<Double, String> one = (s) -> (s == null) ? "never within " + window.toSeconds() + " s"
				: String.format(java.util.Locale.ROOT, "%.1f s", s);
		if (seconds.size() == 1) {
			return one.apply(seconds.get(0));
		}
		List<Double> sorted = seconds.stream()
			.map((s) -> (s == null) ? Double.POSITIVE_INFINITY : s)
			.sorted()
			.toList();
		double median = (sorted.size() % 2 == 1) ? sorted.get(sorted.size() / 2)
				: (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
		return "max " + one.apply(sorted.get(sorted.size() - 1).isInfinite() ? null : sorted.get(sorted.size() - 1))
				+ ", median " + one.apply(Double.isInfinite(median) ? null : median) + " (clients: "
				+ String.join(", ", seconds.stream().map(one).map((t) -> t.replace(" s", "")).toList()) + ")";
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
		NettyServerBuilder builder = BenchBackends
			.configure(NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getByName(address), port)))
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

		@GrpcLbClient("watch")
		BenchServiceGrpc.BenchServiceStub watch;

	}

	/** The application's KubernetesClient: one for the run's API server. */
	@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
	static class KubernetesClients {

		static volatile KubernetesApi api;

		@org.springframework.context.annotation.Bean
		io.fabric8.kubernetes.client.KubernetesClient kubernetesClient() {
			return api.newClient();
		}

	}

	/** A light closed loop (4 calls in flight, 5 ms apart) that notes when it first sees each backend. */
	private static final class Probe {

		private final BenchServiceGrpc.BenchServiceStub stub;

		private final Map<String, Long> seen = new java.util.concurrent.ConcurrentHashMap<>();

		private final Map<String, Long> lastSeen = new java.util.concurrent.ConcurrentHashMap<>();

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
					long now = System.nanoTime();
					Probe.this.seen.putIfAbsent(reply.getServedBy(), now);
					Probe.this.lastSeen.put(reply.getServedBy(), now);
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
