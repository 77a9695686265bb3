package io.github.grpclb.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.grpclb.test.FakeClock;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the refreshing resolver tells the channel, with lookups the test scripts and time the test moves (no
 * sleeping): updates only on change, errors only before the first answer, a minimum gap between lookups, backoff,
 * and that nothing a lookup or its executor does stops it from resolving again.
 */
class RefreshingDnsNameResolverTests {

	private static final ResolverSettings SETTINGS = new ResolverSettings(ResolverSettings.Type.REFRESHING,
			Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(1), false);

	private final FakeClock clock = new FakeClock();

	private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();

	private final SynchronizationContext syncContext = new SynchronizationContext((t, e) -> this.uncaught.add(e));

	/** What the next lookup gives: a list of addresses, or a Throwable to throw. */
	private final AtomicReference<Object> answer = new AtomicReference<>(addresses("127.0.0.2"));

	private final AtomicInteger lookups = new AtomicInteger();

	private final List<Object> events = new CopyOnWriteArrayList<>();

	private final List<String> heard = new CopyOnWriteArrayList<>();

	private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

	private final Logger resolverLogger = (Logger) LoggerFactory.getLogger(RefreshingDnsNameResolver.class);

	@BeforeEach
	void captureLogs() {
		this.logs.start();
		this.resolverLogger.addAppender(this.logs);
	}

	@AfterEach
	void releaseLogs() {
		this.resolverLogger.detachAppender(this.logs);
	}

	private RefreshingDnsNameResolver start(ResolverSettings settings) {
		return start(settings, Runnable::run, new MidpointRandom(0));
	}

	private RefreshingDnsNameResolver start(ResolverSettings settings, Executor executor, Random random) {
		AddressLookup lookup = () -> {
			this.lookups.incrementAndGet();
			Object next = this.answer.get();
			if (next instanceof IOException ex) {
				throw ex;
			}
			if (next instanceof RuntimeException ex) {
				throw ex;
			}
			if (next instanceof Error ex) {
				throw ex;
			}
			@SuppressWarnings("unchecked")
			List<InetSocketAddress> list = (List<InetSocketAddress>) next;
			return new AddressLookup.Answer(list, null);
		};
		ResolutionListener listener = new ResolutionListener() {
			@Override
			public void resolved(String clientName, List<InetSocketAddress> addresses, boolean changed) {
				RefreshingDnsNameResolverTests.this.heard.add(clientName + " resolved " + addresses.size() + " "
						+ (changed ? "changed" : "same"));
			}

			@Override
			public void failed(String clientName, String error, boolean keptAddresses) {
				RefreshingDnsNameResolverTests.this.heard.add(clientName + " failed " + (keptAddresses ? "kept" : "none"));
			}
		};
		RefreshingDnsNameResolver resolver = new RefreshingDnsNameResolver("orders", "orders.test:9090",
				"orders.test", settings, lookup, this.syncContext, this.clock.scheduler(), executor,
				this.clock::nanoTime, random, listener);
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
		start(SETTINGS);
		this.clock.forward(Duration.ofSeconds(95));
		// Refreshes at 30s, 60s and 90s (jitter fixed at its midpoint).
		assertThat(this.lookups.get()).isEqualTo(4);
		assertThat(this.events).hasSize(1);
		this.answer.set(addresses("127.0.0.2", "127.0.0.3"));
		this.clock.forward(Duration.ofSeconds(30));
		assertThat(this.events).hasSize(2);
		this.clock.forward(Duration.ofSeconds(90));
		assertThat(this.lookups.get()).isEqualTo(8);
		assertThat(this.events).hasSize(2);
		assertThat(this.heard).containsExactly("orders resolved 1 changed", "orders resolved 1 same",
				"orders resolved 1 same", "orders resolved 1 same", "orders resolved 2 changed",
				"orders resolved 2 same", "orders resolved 2 same", "orders resolved 2 same");
	}

	@Test
	void whenLookupsFailAfterAGoodAnswerThenTheChannelKeepsItAndHearsNoError() {
		start(SETTINGS);
		this.answer.set(new IOException("timeout"));
		this.clock.forward(Duration.ofSeconds(60));
		assertThat(this.lookups.get()).isGreaterThanOrEqualTo(3);
		assertThat(this.events).hasSize(1).first().isInstanceOf(List.class);
		assertThat(this.heard).contains("orders failed kept");
	}

	@Test
	void whenLookupsKeepFailingThenTheyBackOffFromTheMinimumGapToTheRefreshInterval() {
		this.answer.set(new IOException("no such host"));
		start(SETTINGS);
		List<Duration> delays = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			delays.add(this.clock.pending().get(0));
			this.clock.forward(this.clock.pending().get(0));
		}
		assertThat(delays).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20),
				Duration.ofSeconds(30), Duration.ofSeconds(30));
	}

	@Test
	void whenTheFirstLookupFailsThenTheChannelHearsUnavailableNamingTheClientAndTheResolverRetries() {
		this.answer.set(new IOException("no such host"));
		start(SETTINGS);
		assertThat(this.events).singleElement().isInstanceOfSatisfying(Status.class, (status) -> {
			assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
			assertThat(status.getDescription()).contains("'orders'").contains("orders.test").contains("no such host");
		});
		this.answer.set(addresses("127.0.0.4"));
		this.clock.forward(Duration.ofSeconds(5));
		assertThat(this.events).hasSize(2).last().isInstanceOf(List.class);
	}

	@Test
	void whenTheChannelAsksAgainAndAgainThenLookupsStillKeepTheMinimumGap() {
		RefreshingDnsNameResolver resolver = start(SETTINGS);
		assertThat(this.lookups.get()).isEqualTo(1);
		// 12s of requests every 10ms with a 5s minimum gap: the first lookup plus two more.
		for (int i = 0; i < 1200; i++) {
			this.syncContext.execute(resolver::refresh);
			this.clock.forward(Duration.ofMillis(10));
		}
		assertThat(this.lookups.get()).isEqualTo(3);
	}

	@Test
	void afterShutdownNoMoreLookupsHappen() {
		RefreshingDnsNameResolver resolver = start(SETTINGS);
		this.clock.forward(Duration.ofSeconds(31));
		assertThat(this.lookups.get()).isEqualTo(2);
		this.syncContext.execute(resolver::shutdown);
		this.clock.forward(Duration.ofMinutes(10));
		assertThat(this.lookups.get()).isEqualTo(2);
	}

	@Test
	void whenALookupThrowsAnErrorThenTheResolverStillResolvesAgain() {
		List<Throwable> threadDeaths = new CopyOnWriteArrayList<>();
		// Like a thread pool: the task's Error ends up in the pool's thread, not in the caller.
		Executor pool = (task) -> {
			try {
				task.run();
			}
			catch (Error ex) {
				threadDeaths.add(ex);
			}
		};
		start(SETTINGS, pool, new MidpointRandom(0));
		this.answer.set(new NoClassDefFoundError("org/xbill/DNS/Lookup"));
		this.clock.forward(Duration.ofSeconds(30));
		assertThat(threadDeaths).hasSize(1);
		this.answer.set(addresses("127.0.0.2", "127.0.0.3"));
		this.clock.forward(Duration.ofSeconds(30));
		assertThat(this.events).hasSize(2).last().asList().hasSize(2);
	}

	@Test
	void whenTheExecutorRejectsALookupThenTheResolverTriesAgainLater() {
		AtomicInteger rejections = new AtomicInteger(1);
		Executor rejectingOnce = (task) -> {
			if (rejections.getAndDecrement() > 0) {
				throw new RejectedExecutionException("queue full");
			}
			task.run();
		};
		start(SETTINGS, rejectingOnce, new MidpointRandom(0));
		assertThat(this.lookups.get()).isZero();
		assertThat(this.events).singleElement().isInstanceOf(Status.class);
		this.clock.forward(Duration.ofSeconds(5));
		assertThat(this.lookups.get()).isEqualTo(1);
		assertThat(this.events).hasSize(2).last().isInstanceOf(List.class);
	}

	@Test
	void whenTheChannelHasNoOffloadExecutorThenLookupsRunOnGrpcsSharedExecutor() {
		RefreshingDnsNameResolver resolver = start(SETTINGS, null, new MidpointRandom(0));
		await().until(() -> !this.events.isEmpty());
		assertThat(this.events).singleElement().isInstanceOf(List.class);
		this.syncContext.execute(resolver::shutdown);
	}

	@Test
	void eachClientGetsTheAddressesInItsOwnOrder() {
		this.answer.set(addresses("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"));
		Set<Object> firsts = new HashSet<>();
		for (int app = 0; app < 8; app++) {
			this.events.clear();
			start(SETTINGS, Runnable::run, new MidpointRandom(app));
			@SuppressWarnings("unchecked")
			List<EquivalentAddressGroup> groups = (List<EquivalentAddressGroup>) this.events.get(0);
			assertThat(groups).hasSize(5);
			firsts.add(groups.get(0).getAddresses().get(0));
		}
		// pick_first connects to the first address: 8 apps must not all pick the same pod.
		assertThat(firsts).hasSizeGreaterThan(1);
	}

	@Test
	void failuresAndTheRecoveryAreEachLoggedOnceWithTheClientName() {
		start(SETTINGS);
		this.answer.set(new IOException("SERVFAIL"));
		this.clock.forward(Duration.ofSeconds(120));
		assertThat(this.lookups.get()).isGreaterThan(4);
		this.answer.set(addresses("127.0.0.2"));
		this.clock.forward(Duration.ofSeconds(30));
		List<ILoggingEvent> warnings = this.logs.list.stream().filter((e) -> e.getLevel() == Level.WARN).toList();
		assertThat(warnings).singleElement()
			.satisfies((event) -> assertThat(event.getFormattedMessage()).contains("'orders'")
				.contains("orders.test")
				.contains("SERVFAIL")
				.contains("keeping the last 1 address"));
		assertThat(this.logs.list.stream().map(ILoggingEvent::getFormattedMessage))
			.filteredOn((message) -> message.contains("works again"))
			.singleElement()
			.asString()
			.contains("'orders'");
		assertThat(this.heard).filteredOn((event) -> event.contains("failed")).hasSizeGreaterThan(3);
	}

	private static List<InetSocketAddress> addresses(String... ips) {
		return java.util.Arrays.stream(ips).map((ip) -> new InetSocketAddress(ip, 9090)).toList();
	}

	/** A seeded random whose jitter is always the midpoint, so refresh times are exact. */
	private static final class MidpointRandom extends Random {

		MidpointRandom(long seed) {
			super(seed);
		}

		@Override
		public double nextDouble() {
			return 0.5;
		}

	}

}
