package io.github.grpclb.channel;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The pooled registry: one channel per client, however many ask at once; nothing new after close.
 */
class PooledChannelRegistryTests {

	private final Map<String, ChannelSettings> clients = new ConcurrentHashMap<>();

	private final PooledChannelRegistry registry = new PooledChannelRegistry(this::settings,
			new GrpcLbChannelFactory(List.of()), Duration.ofSeconds(1));

	private ChannelSettings settings(String client) {
		ChannelSettings settings = this.clients.get(client);
		if (settings == null) {
			throw new IllegalArgumentException("no client " + client);
		}
		return settings;
	}

	static ChannelSettings settingsFor(String target) {
		return new ChannelSettings(target, "round_robin", Duration.ofSeconds(10), Duration.ofSeconds(5), true,
				Duration.ofSeconds(5), null, null, null, new ChannelSettings.RetrySettings(true, 3,
						Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, List.of("UNAVAILABLE")),
				null);
	}

	@Test
	void when32ThreadsFirstUseOneClientAtOnceThenOneChannelIsCreated() throws Exception {
		this.clients.put("orders", settingsFor("dns:///backends.test:9"));
		int threads = 32;
		CyclicBarrier barrier = new CyclicBarrier(threads);
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<ManagedChannel>> results = new java.util.ArrayList<>();
			for (int i = 0; i < threads; i++) {
				results.add(pool.submit(() -> {
					barrier.await(10, TimeUnit.SECONDS);
					return this.registry.channel("orders");
				}));
			}
			Set<ManagedChannel> channels = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
			for (Future<ManagedChannel> result : results) {
				channels.add(result.get(10, TimeUnit.SECONDS));
			}
			assertThat(channels).hasSize(1);
			assertThat(this.registry.openChannels()).isEqualTo(1);
		}
		finally {
			pool.shutdownNow();
			this.registry.close();
		}
	}

	@Test
	void everyClientGetsItsOwnChannelEvenWithTheSameTargetAndSettings() {
		this.clients.put("orders", settingsFor("dns:///backends.test:9"));
		this.clients.put("orders-reporting", settingsFor("dns:///backends.test:9"));
		this.clients.put("payments", settingsFor("dns:///backends.test:10"));
		try {
			assertThat(this.registry.channel("orders")).isSameAs(this.registry.channel("orders"))
				.isNotSameAs(this.registry.channel("orders-reporting"));
			assertThat(this.registry.channel("payments")).isNotSameAs(this.registry.channel("orders"));
			assertThat(this.registry.openChannels()).isEqualTo(3);
			assertThat(this.registry.targets()).containsExactlyInAnyOrder("dns:///backends.test:9",
					"dns:///backends.test:10");
		}
		finally {
			this.registry.close();
		}
	}

	@Test
	void aCustomizerOnlyEverSeesTheNameOfTheClientWhoseChannelItBuilds() {
		// A name-keyed customizer, like a net.devh GrpcChannelConfigurer adding one client's credentials.
		List<String> customized = new java.util.concurrent.CopyOnWriteArrayList<>();
		PooledChannelRegistry registry = new PooledChannelRegistry(this::settings, new GrpcLbChannelFactory(
				List.of((client, target, builder) -> customized.add(client))), Duration.ofSeconds(1));
		this.clients.put("orders", settingsFor("dns:///backends.test:9"));
		this.clients.put("orders-admin", settingsFor("dns:///backends.test:9"));
		try {
			ManagedChannel orders = registry.channel("orders");
			ManagedChannel admin = registry.channel("orders-admin");
			assertThat(admin).as("orders-admin's calls must not go out on a channel built for orders")
				.isNotSameAs(orders);
			assertThat(customized).containsExactly("orders", "orders-admin");
		}
		finally {
			registry.close();
		}
	}

	@Test
	void whenClosedThenChannelsAreShutDownAndNewOnesRefused() {
		this.clients.put("orders", settingsFor("dns:///backends.test:9"));
		ManagedChannel channel = this.registry.channel("orders");
		this.registry.close();
		assertThat(channel.isShutdown()).isTrue();
		assertThat(this.registry.openChannels()).isZero();
		assertThatIllegalStateException().isThrownBy(() -> this.registry.channel("orders"))
			.withMessageContaining("closed");
	}

}
