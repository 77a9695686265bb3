package io.github.grpclb.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.grpc.ChannelLogger;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the refreshing resolver tells the channel, with lookups the test scripts: updates only on change, errors
 * only before the first answer, a minimum gap between lookups.
 */
class RefreshingDnsNameResolverTests {

	private static final ResolverSettings FAST = new ResolverSettings(ResolverSettings.Type.REFRESHING,
			Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1), false);

	private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

	private final SynchronizationContext syncContext = new SynchronizationContext((t, e) -> e.printStackTrace());

	private final AtomicReference<Object> answer = new AtomicReference<>(addresses("127.0.0.2"));

	private final AtomicInteger lookups = new AtomicInteger();

	private final List<Object> events = new CopyOnWriteArrayList<>();

	@AfterEach
	void stopTimer() {
		this.timer.shutdownNow();
	}

	private RefreshingDnsNameResolver start(ResolverSettings settings) {
		AddressLookup lookup = () -> {
			this.lookups.incrementAndGet();
			Object next = this.answer.get();
			if (next instanceof IOException ex) {
				throw ex;
			}
			@SuppressWarnings("unchecked")
			List<InetSocketAddress> list = (List<InetSocketAddress>) next;
			return new AddressLookup.Answer(list, null);
		};
		RefreshingDnsNameResolver resolver = new RefreshingDnsNameResolver(new DnsTarget(null, "orders.test", 9090),
				settings, lookup, this.syncContext, this.timer, Runnable::run, new SilentLogger());
		this.syncContext.execute(() -> resolver.start(new NameResolver.Listener2() {
			@Override
			public void onResult(NameResolver.ResolutionResult result) {
				RefreshingDnsNameResolverTests.this.events.add(result.getAddressesOrError().getValue());
			}

			@Override
			public void onError(Status error) {
				RefreshingDnsNameResolverTests.this.events.add(error);
			}
		}));
		return resolver;
	}

	@Test
	void whenTheAnswerStaysTheSameThenTheChannelHearsOnlyOnce() {
		RefreshingDnsNameResolver resolver = start(FAST);
		await().until(() -> this.lookups.get() >= 5);
		assertThat(this.events).hasSize(1);
		this.answer.set(addresses("127.0.0.2", "127.0.0.3"));
		await().until(() -> this.events.size() == 2);
		int lookups = this.lookups.get();
		await().until(() -> this.lookups.get() >= lookups + 3);
		assertThat(this.events).hasSize(2);
		this.syncContext.execute(resolver::shutdown);
	}

	@Test
	void whenLookupsFailAfterAGoodAnswerThenTheChannelKeepsItAndHearsNoError() {
		RefreshingDnsNameResolver resolver = start(FAST);
		await().until(() -> this.events.size() == 1);
		this.answer.set(new IOException("timeout"));
		int lookups = this.lookups.get();
		await().until(() -> this.lookups.get() >= lookups + 2);
		assertThat(this.events).hasSize(1).first().isInstanceOf(List.class);
		this.syncContext.execute(resolver::shutdown);
	}

	@Test
	void whenTheFirstLookupFailsThenTheChannelHearsUnavailableAndTheResolverRetries() {
		this.answer.set(new IOException("no such host"));
		RefreshingDnsNameResolver resolver = start(FAST);
		await().until(() -> !this.events.isEmpty());
		assertThat(this.events.get(0)).isInstanceOfSatisfying(Status.class, (status) -> {
			assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
			assertThat(status.getDescription()).contains("orders.test:9090").contains("no such host");
		});
		this.answer.set(addresses("127.0.0.4"));
		await().until(() -> this.events.stream().anyMatch(List.class::isInstance));
		this.syncContext.execute(resolver::shutdown);
	}

	@Test
	void whenTheChannelAsksAgainAndAgainThenLookupsStillKeepTheMinimumGap() throws InterruptedException {
		ResolverSettings slow = new ResolverSettings(ResolverSettings.Type.REFRESHING, Duration.ofSeconds(30),
				Duration.ofMillis(500), Duration.ofSeconds(1), false);
		RefreshingDnsNameResolver resolver = start(slow);
		await().until(() -> this.lookups.get() == 1);
		long end = System.nanoTime() + Duration.ofMillis(1200).toNanos();
		while (System.nanoTime() < end) {
			this.syncContext.execute(resolver::refresh);
			Thread.sleep(10);
		}
		// 1200ms of constant requests with a 500ms gap: at most the first lookup plus two more.
		assertThat(this.lookups.get()).isBetween(2, 4);
		this.syncContext.execute(resolver::shutdown);
	}

	@Test
	void afterShutdownNoMoreLookupsHappen() throws InterruptedException {
		RefreshingDnsNameResolver resolver = start(FAST);
		await().until(() -> this.lookups.get() >= 2);
		this.syncContext.execute(resolver::shutdown);
		int lookups = this.lookups.get();
		Thread.sleep(400);
		assertThat(this.lookups.get()).isLessThanOrEqualTo(lookups + 1);
	}

	private static List<InetSocketAddress> addresses(String... ips) {
		return java.util.Arrays.stream(ips).map((ip) -> new InetSocketAddress(ip, 9090)).toList();
	}

	private static final class SilentLogger extends ChannelLogger {

		@Override
		public void log(ChannelLogLevel level, String message) {
		}

		@Override
		public void log(ChannelLogLevel level, String messageFormat, Object... args) {
		}

	}

}
