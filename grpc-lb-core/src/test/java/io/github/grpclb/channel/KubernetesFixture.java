package io.github.grpclb.channel;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.github.grpclb.kubernetes.EndpointSliceWatches;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.kubernetes.KubernetesApi;
import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.ManagedChannel;

/**
 * What the {@code kubernetes:} tests share: the mock API server, the watches (quick: {@link #TIMING}), pooled
 * channels built by the starter's factory, and what the resolvers published.
 */
final class KubernetesFixture implements AutoCloseable {

	final KubernetesApi api = KubernetesApi.start();

	/** Checked every 100 ms, down after 500 ms closed, no audit within a test (every minute). */
	static final EndpointSliceWatches.Timing TIMING = new EndpointSliceWatches.Timing(Duration.ofMillis(100),
			Duration.ofMillis(500), Duration.ofSeconds(10), Duration.ofMinutes(1));

	final EndpointSliceWatches watches;

	final Resolutions resolutions = new Resolutions();

	private final Backends backends;

	private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

	KubernetesFixture(Backends backends) {
		this(backends, TIMING);
	}

	KubernetesFixture(Backends backends, EndpointSliceWatches.Timing timing) {
		this.backends = backends;
		this.watches = new EndpointSliceWatches(this.api::newClient, true, timing, () -> null);
	}

	String ip(int index) {
		return "127.0.0." + (2 + index);
	}

	String address(int index) {
		return ip(index) + ":" + this.backends.port();
	}

	/** @return the Service's ports: {@code grpc} (the backends' port) and {@code metrics} */
	Map<String, Integer> grpcPort() {
		return Map.of("grpc", this.backends.port(), "metrics", 9102);
	}

	ChannelSettings settings(String target, ResolverSettings.KubernetesSettings kubernetes) {
		ChannelSettings dns = PooledChannelRegistryTests.settingsFor(target);
		ResolverSettings resolver = new ResolverSettings(ResolverSettings.Type.REFRESHING, Duration.ofSeconds(30),
				Duration.ofSeconds(5), Duration.ofSeconds(2), false, kubernetes);
		return new ChannelSettings(target, dns.policy(), dns.keepaliveTime(), dns.keepaliveTimeout(),
				dns.keepaliveWithoutCalls(), dns.connectTimeout(), null, null, null, dns.retry(), null, resolver);
	}

	GrpcLbChannelFactory factory() {
		return new GrpcLbChannelFactory(List.of(), this.resolutions, null, this.watches);
	}

	ManagedChannel channel(String target) {
		return channel(target, ResolverSettings.KubernetesSettings.DEFAULTS);
	}

	ManagedChannel channel(String target, ResolverSettings.KubernetesSettings kubernetes) {
		ManagedChannel channel = factory().createPooled("orders", settings(target, kubernetes));
		this.closeables.add(channel::shutdownNow);
		return channel;
	}

	/** @return a dial-per-request registry for client {@code orders} (closed with the fixture) */
	DialPerRequestChannelRegistry dialPerRequest(String target) {
		ChannelSettings settings = settings(target, ResolverSettings.KubernetesSettings.DEFAULTS);
		DialPerRequestChannelRegistry registry = new DialPerRequestChannelRegistry((client) -> settings, factory(),
				DialListener.NONE, Duration.ofSeconds(5));
		this.closeables.add(registry);
		return registry;
	}

	static EchoReply call(io.grpc.Channel channel) {
		return EchoServiceGrpc.newBlockingStub(channel)
			.withDeadlineAfter(5, TimeUnit.SECONDS)
			.echo(EchoRequest.newBuilder().setMessage("k8s").build());
	}

	static Set<String> servedBy(io.grpc.Channel channel, int calls) {
		return IntStream.range(0, calls).mapToObj((i) -> call(channel).getServedBy()).collect(Collectors.toSet());
	}

	@Override
	public void close() throws Exception {
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
		this.watches.close();
		this.api.close();
	}

	/** What the resolvers published and reported, in order. */
	static final class Resolutions implements ResolutionListener {

		private final List<List<String>> published = new CopyOnWriteArrayList<>();

		private final List<String> failures = new CopyOnWriteArrayList<>();

		@Override
		public void resolved(String clientName, List<InetSocketAddress> addresses, boolean changed) {
			if (changed) {
				this.published.add(addresses.stream()
					.map((a) -> a.getAddress().getHostAddress() + ":" + a.getPort())
					.toList());
			}
		}

		@Override
		public void failed(String clientName, String error, boolean keptAddresses) {
			this.failures.add(error);
		}

		List<String> last() {
			return this.published.isEmpty() ? List.of() : this.published.get(this.published.size() - 1);
		}

		List<String> failures() {
			return this.failures;
		}

	}

}
