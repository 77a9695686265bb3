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
 * The pooled registry: one channel per target and settings, whoever asks and however many ask at once.
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
	void whenClientsShareTargetAndSettingsThenTheyShareOneChannelElseNot() {
		this.clients.put("orders", settingsFor("dns:///backends.test:9"));
		this.clients.put("orders-reporting", settingsFor("dns:///backends.test:9"));
		this.clients.put("payments", settingsFor("dns:///backends.test:10"));
		ChannelSettings slowOrders = settingsFor("dns:///backends.test:9");
		this.clients.put("orders-slow", new ChannelSettings(slowOrders.target(), slowOrders.policy(),
				slowOrders.keepaliveTime(), slowOrders.keepaliveTimeout(), true, slowOrders.connectTimeout(), null,
				null, Duration.ofSeconds(30), slowOrders.retry(), null));
		try {
			assertThat(this.registry.channel("orders")).isSameAs(this.registry.channel("orders-reporting"));
			assertThat(this.registry.channel("payments")).isNotSameAs(this.registry.channel("orders"));
			assertThat(this.registry.channel("orders-slow")).as("same address, other deadline")
				.isNotSameAs(this.registry.channel("orders"));
			assertThat(this.registry.openChannels()).isEqualTo(3);
			assertThat(this.registry.targets()).containsExactlyInAnyOrder("dns:///backends.test:9",
					"dns:///backends.test:10");
		}
		finally {
			this.registry.close();
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
