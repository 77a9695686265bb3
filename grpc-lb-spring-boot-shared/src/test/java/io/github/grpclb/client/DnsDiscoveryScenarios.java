package io.github.grpclb.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.Load;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Discovery scenarios against a DNS server whose records change while five real backends (127.0.0.2..6) serve
 * continuous load through the starter's refreshing resolver. Subclasses provide the DNS server: one inside the
 * JVM, and Debian's dnsmasq.
 */
abstract class DnsDiscoveryScenarios {

	static final String NAME = "orders.test";

	static final Duration REFRESH = Duration.ofSeconds(1);

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5);

	/** @return {@code host:port} of the DNS server */
	protected abstract String dnsServer();

	/** Make {@code name} resolve to these addresses from now on. */
	protected abstract void publish(String name, List<String> ips);

	/** Make {@code srvName} list these targets (host name to address), all with this port. */
	protected abstract void publishSrv(String srvName, int port, Map<String, String> targets);

	/** Start or end a DNS outage: queries get no answer. */
	protected abstract void outage(boolean down);

	/** @return how many A queries for {@link #NAME} reached the DNS server: one per refresh of the resolver */
	protected abstract int addressQueries();

	Backends backends() {
		return this.backendsExtension.get();
	}

	List<String> ips(int count) {
		return backends().all().subList(0, count).stream().map((b) -> b.address().substring(0, b.address().indexOf(':'))).toList();
	}

	ApplicationContextRunner runner(String target, String... more) {
		return TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=" + target,
					"grpc.lb.clients.orders.resolver.refresh-interval=" + REFRESH.toMillis() + "ms",
					"grpc.lb.clients.orders.resolver.min-refresh-interval=200ms",
					"grpc.lb.clients.orders.resolver.query-timeout=300ms")
			.withPropertyValues(more);
	}

	String target() {
		return "dns://" + dnsServer() + "/" + NAME + ":" + backends().port();
	}

	private void awaitServing(int count) {
		await().atMost(Duration.ofSeconds(10))
			.until(() -> backends().all().subList(0, count).stream().allMatch((b) -> b.calls() > 0));
	}

	@Test
	void whenTheServiceScalesUpThenNewBackendsServeWithinTheRefreshIntervalAndNoCallFails() {
		publish(NAME, ips(3));
		runner(target()).run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			try (Load load = Load.start(stub, 4)) {
				awaitServing(3);
				assertThat(backends().all().get(3).calls()).as("not in DNS yet").isZero();
				long start = System.nanoTime();
				publish(NAME, ips(5));
				await().atMost(REFRESH.plusSeconds(2))
					.until(() -> backends().all().get(3).calls() > 0 && backends().all().get(4).calls() > 0);
				System.out.printf("%s: new backends served %d ms after the DNS change (refresh-interval %s)%n",
						getClass().getSimpleName(), (System.nanoTime() - start) / 1_000_000, REFRESH);
				load.close();
				assertThat(load.failures()).as("failed calls (last: %s)", load.lastFailure()).isZero();
			}
		});
	}

	@Test
	void whenTheServiceScalesDownThenRemovedBackendsGetNoNewCallsAndGracefulShutdownFailsNothing() {
		publish(NAME, ips(5));
		runner(target()).run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			try (Load load = Load.start(stub, 4)) {
				awaitServing(5);
				publish(NAME, ips(3));
				Thread.sleep(REFRESH.plusSeconds(1).toMillis());
				int fourth = backends().all().get(3).calls();
				int fifth = backends().all().get(4).calls();
				int served = backends().all().get(0).calls();
				Thread.sleep(1000);
				assertThat(backends().all().get(0).calls()).as("remaining backends keep serving").isGreaterThan(served);
				assertThat(backends().all().get(3).calls()).as("removed from DNS: no new calls").isEqualTo(fourth);
				assertThat(backends().all().get(4).calls()).as("removed from DNS: no new calls").isEqualTo(fifth);
				backends().all().get(3).stopGracefully();
				backends().all().get(4).stopGracefully();
				Thread.sleep(500);
				load.close();
				assertThat(load.failures()).as("failed calls (last: %s)", load.lastFailure()).isZero();
			}
		});
	}

	@Test
	void whenDnsStopsAnsweringThenCallsKeepFlowingToTheLastKnownBackendsAndDiscoveryResumesAfterwards() {
		publish(NAME, ips(3));
		runner(target()).run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			try (Load load = Load.start(stub, 4)) {
				awaitServing(3);
				outage(true);
				int[] before = backends().all().stream().limit(3).mapToInt(Backends.Backend::calls).toArray();
				Thread.sleep(REFRESH.multipliedBy(3).toMillis());
				for (int i = 0; i < 3; i++) {
					assertThat(backends().all().get(i).calls()).as("backend %d during the DNS outage", i)
						.isGreaterThan(before[i]);
				}
				assertThat(load.failures()).as("failed calls during the outage (last: %s)", load.lastFailure()).isZero();
				outage(false);
				publish(NAME, ips(4));
				await().atMost(REFRESH.plusSeconds(2)).until(() -> backends().all().get(3).calls() > 0);
				load.close();
				assertThat(load.failures()).as("failed calls (last: %s)", load.lastFailure()).isZero();
			}
		});
	}

	@Test
	void whenTheAnswerDoesNotChangeThenRefreshesNeverReconnect() {
		publish(NAME, ips(3));
		runner(target()).run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			try (Load load = Load.start(stub, 2)) {
				awaitServing(3);
				int queries = addressQueries();
				Thread.sleep(REFRESH.multipliedBy(4).toMillis());
				// Without this the scenario would also pass if the resolver never asked DNS again.
				assertThat(addressQueries() - queries).as("refreshes that reached DNS during 4 refresh intervals")
					.isGreaterThanOrEqualTo(3);
				load.close();
				assertThat(load.failures()).isZero();
			}
			assertThat(backends().connectionCounts().values()).as("connections per backend").containsExactly(1, 1, 1, 0, 0);
		});
	}

	@Test
	void whenSrvIsOnThenThePortComesFromTheSrvRecords() {
		Map<String, String> pods = new LinkedHashMap<>();
		List<String> ips = ips(3);
		for (int i = 0; i < 3; i++) {
			pods.put("pod-" + i + "." + NAME, ips.get(i));
		}
		publishSrv("_grpc._tcp." + NAME, backends().port(), pods);
		runner("dns://" + dnsServer() + "/" + NAME, "grpc.lb.clients.orders.resolver.srv=true").run((context) -> {
			assertThat(context).hasNotFailed();
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				stub.echo(EchoRequest.newBuilder().setMessage("srv").build());
				assertThat(backends().all().subList(0, 3)).allSatisfy((b) -> assertThat(b.calls()).isPositive());
			});
			assertThat(backends().all().get(3).calls() + backends().all().get(4).calls()).isZero();
		});
	}

	@Test
	void whenPoolingIsOffThenEachCallDialsABackendTheDnsServerNamed() {
		publish(NAME, ips(3));
		runner(target(), "grpc.lb.pooling.enabled=false").run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			for (int i = 0; i < 60; i++) {
				stub.echo(EchoRequest.newBuilder().setMessage("dial").build());
			}
			assertThat(backends().connectionCounts().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(60);
			assertThat(backends().all().get(3).connections() + backends().all().get(4).connections())
				.as("backends the DNS server does not name")
				.isZero();
		});
	}

	@Test
	void whenTheTargetIsTheFullSrvNameThenThePortsComeFromItsRecords() {
		// The documented SRV form; java.net.URI cannot parse a host with '_', which once failed the channel build.
		Map<String, String> pods = new LinkedHashMap<>();
		List<String> ips = ips(2);
		for (int i = 0; i < 2; i++) {
			pods.put("pod-" + i + "." + NAME, ips.get(i));
		}
		publishSrv("_grpc._tcp." + NAME, backends().port(), pods);
		runner("dns://" + dnsServer() + "/_grpc._tcp." + NAME, "grpc.lb.clients.orders.resolver.srv=true")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
					stub.echo(EchoRequest.newBuilder().setMessage("srv").build());
					assertThat(backends().all().subList(0, 2)).allSatisfy((b) -> assertThat(b.calls()).isPositive());
				});
			});
	}

	@Test
	void whenTheDnsServerIsGivenByNameThenItIsLookedUpAndAsked() {
		publish(NAME, ips(2));
		String server = dnsServer();
		String byName = "localhost" + server.substring(server.lastIndexOf(':'));
		runner("dns://" + byName + "/" + NAME + ":" + backends().port()).run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				stub.echo(EchoRequest.newBuilder().setMessage("named server").build());
				assertThat(backends().all().subList(0, 2)).allSatisfy((b) -> assertThat(b.calls()).isPositive());
			});
		});
	}

	@Test
	void whenEveryOldPodStopsAtOnceAndTheReplacementsAreAlreadyInDnsThenNoCallFails() {
		// Blue/green: three old pods serve; the two new ones are published and the old ones all stop at once,
		// before the client's next refresh.
		publish(NAME, ips(3));
		runner(target(), "grpc.lb.clients.orders.resolver.refresh-interval=30s",
				"grpc.lb.clients.orders.resolver.min-refresh-interval=200ms")
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				try (Load load = Load.start(stub, 8)) {
					awaitServing(3);
					publish(NAME, ips(5).subList(3, 5));
					for (int i = 0; i < 3; i++) {
						Backends.Backend old = backends().all().get(i);
						new Thread(old::stopGracefully, "stop-" + i).start();
					}
					await().atMost(Duration.ofSeconds(10))
						.until(() -> backends().all().get(3).calls() > 0 && backends().all().get(4).calls() > 0);
					int before = load.calls();
					await().atMost(Duration.ofSeconds(10)).until(() -> load.calls() > before + 200);
					load.close();
					System.out.printf("%s blue/green: %d calls, %d failed (last: %s)%n", getClass().getSimpleName(),
							load.calls(), load.failures(), load.lastFailureWithCauses());
					assertThat(load.failures()).as("failed calls (last: %s)", load.lastFailureWithCauses()).isZero();
				}
			});
	}

	@Test
	void whenPoolingIsOffThenCallsShareOneResolutionInsteadOfAskingDnsForEachCall() {
		publish(NAME, ips(3));
		int before = addressQueries();
		runner(target(), "grpc.lb.pooling.enabled=false", "grpc.lb.clients.orders.resolver.refresh-interval=60s",
				"grpc.lb.clients.orders.resolver.min-refresh-interval=30s")
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				for (int i = 0; i < 200; i++) {
					stub.echo(EchoRequest.newBuilder().setMessage("dial").build());
				}
				assertThat(backends().connectionCounts().values().stream().mapToInt(Integer::intValue).sum())
					.isEqualTo(200);
			});
		// One resolution: one A query (two if the first one got lost and was sent again).
		assertThat(addressQueries() - before).as("A queries for 200 dialed calls").isBetween(1, 2);
	}

	@Test
	void whenPoolingIsOffAndTheServiceScalesUpThenCallsDialTheNewBackendsWithinTheRefreshInterval() {
		publish(NAME, ips(3));
		runner(target(), "grpc.lb.pooling.enabled=false").run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			for (int i = 0; i < 30; i++) {
				stub.echo(EchoRequest.newBuilder().setMessage("dial").build());
			}
			assertThat(backends().all().get(3).connections() + backends().all().get(4).connections()).isZero();
			publish(NAME, ips(5));
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				stub.echo(EchoRequest.newBuilder().setMessage("dial").build());
				assertThat(backends().all().get(3).connections()).isPositive();
				assertThat(backends().all().get(4).connections()).isPositive();
			});
		});
	}

	@Test
	void whenEveryPodIsReplacedThenTheSeriesOfTheOldPodsGoAndOnlyTheNewOnesRemain() {
		publish(NAME, ips(3));
		TestContexts.withMetrics(runner(target()))
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				io.micrometer.core.instrument.MeterRegistry meters = context.getBean(io.micrometer.core.instrument.MeterRegistry.class);
				for (int i = 0; i < 30; i++) {
					stub.echo(EchoRequest.newBuilder().setMessage("before").build());
				}
				assertThat(backendSeries(meters)).containsExactlyInAnyOrderElementsOf(
						backends().all().subList(0, 3).stream().map(Backends.Backend::address).toList());
				// A rolling update that replaced every pod: the old addresses are gone from DNS.
				publish(NAME, ips(5).subList(3, 5));
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
					stub.echo(EchoRequest.newBuilder().setMessage("after").build());
					assertThat(backendSeries(meters)).containsExactlyInAnyOrderElementsOf(
							backends().all().subList(3, 5).stream().map(Backends.Backend::address).toList());
				});
				assertThat(meters.find(io.github.grpclb.metrics.GrpcLbMeters.RESOLUTIONS)
					.tag(io.github.grpclb.metrics.GrpcLbMeters.TAG_RESULT, "success")
					.counter()
					.count()).as("resolutions counted").isGreaterThanOrEqualTo(2);
			});
	}

	private static java.util.Set<String> backendSeries(io.micrometer.core.instrument.MeterRegistry meters) {
		return meters.find(io.github.grpclb.metrics.GrpcLbMeters.CALLS)
			.timers()
			.stream()
			.map((timer) -> timer.getId().getTag(io.github.grpclb.metrics.GrpcLbMeters.TAG_BACKEND))
			.collect(java.util.stream.Collectors.toSet());
	}

}
