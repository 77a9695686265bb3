package io.github.grpclb.channel;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.grpclb.test.FakeClock;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.grpc.internal.GrpcUtil;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The static resolver on time the test moves: a list that does not resolve is retried by the resolver itself.
 */
class StaticAddressesNameResolverTests {

	private static final ResolverSettings SETTINGS = ResolverSettings.DEFAULTS;

	private final FakeClock clock = new FakeClock();

	private final SynchronizationContext syncContext = new SynchronizationContext((t, e) -> {
		throw new AssertionError(e);
	});

	private final List<Object> events = new CopyOnWriteArrayList<>();

	@Test
	void whenNoEntryResolvesThenTheResolverRetriesByItselfWithBackoff() {
		start("static:///no-such-host.invalid:9090");
		assertThat(this.events).singleElement().isInstanceOfSatisfying(Status.class, (status) -> {
			assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
			assertThat(status.getDescription()).contains("'orders'").contains("no-such-host.invalid:9090");
		});
		// Backoff starts at min-refresh-interval (5s, up to 10% jitter, never less) and doubles.
		assertThat(this.clock.pending()).as("a retry is scheduled without the channel asking")
			.singleElement()
			.satisfies((delay) -> assertThat(delay).isBetween(Duration.ofSeconds(5), Duration.ofMillis(5500)));
		this.clock.forward(this.clock.pending().get(0));
		assertThat(this.events).as("the retry happened and still fails").hasSize(2);
		assertThat(this.clock.pending()).singleElement()
			.satisfies((delay) -> assertThat(delay).isBetween(Duration.ofSeconds(9), Duration.ofSeconds(11)));
	}

	@Test
	void whenTheListResolvesThenTheChannelHearsEveryAddressOnceAndNotOnEachRefresh() {
		start("static:///127.0.0.2:9090,127.0.0.3:9090");
		assertThat(this.events).singleElement().asList().hasSize(2);
		this.clock.forward(Duration.ofMinutes(5));
		assertThat(this.events).hasSize(1);
	}

	private void start(String target) {
		NameResolver.Args args = NameResolver.Args.newBuilder()
			.setDefaultPort(443)
			.setProxyDetector(GrpcUtil.NOOP_PROXY_DETECTOR)
			.setSynchronizationContext(this.syncContext)
			.setServiceConfigParser(new NameResolver.ServiceConfigParser() {
				@Override
				public NameResolver.ConfigOrError parseServiceConfig(java.util.Map<String, ?> rawServiceConfig) {
					return NameResolver.ConfigOrError.fromConfig(rawServiceConfig);
				}
			})
			.setScheduledExecutorService(this.clock.scheduler())
			.setOffloadExecutor(Runnable::run)
			.build();
		NameResolver resolver = new StaticAddressesNameResolverProvider("orders", SETTINGS, ResolutionListener.NONE)
			.newNameResolver(URI.create(target), args);
		this.syncContext.execute(() -> resolver.start(new NameResolver.Listener2() {
			@Override
			public void onResult(NameResolver.ResolutionResult result) {
				List<EquivalentAddressGroup> groups = result.getAddressesOrError().getValue();
				StaticAddressesNameResolverTests.this.events.add(groups);
			}

			@Override
			public void onError(Status error) {
				StaticAddressesNameResolverTests.this.events.add(error);
			}
		}));
	}

}
