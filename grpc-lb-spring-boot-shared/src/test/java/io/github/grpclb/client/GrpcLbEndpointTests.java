package io.github.grpclb.client;

import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.github.grpclb.metrics.GrpcLbMeters;
import io.github.grpclb.actuate.GrpcLbEndpoint;
import io.github.grpclb.actuate.GrpcLbHealthContributor;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code grpclb} endpoint, the {@code grpcLb} health contributor and the balancer meters, against real
 * backends: what they show
 * follows backends as they serve, fail and get ejected, stop and start again.
 */
class GrpcLbEndpointTests {

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5);

	private Backends backends() {
		return this.backendsExtension.get();
	}

	private ApplicationContextRunner runner() {
		return TestContexts.withActuator(TestContexts.runnerWithMetrics())
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=" + Backends.HOST + ":" + backends().port());
	}

	@Test
	void theEndpointExistsOnlyWhenExposed() {
		runner().run((context) -> assertThat(context).doesNotHaveBean(GrpcLbEndpoint.class)
			.hasSingleBean(GrpcLbHealthContributor.class));
		runner().withPropertyValues("management.endpoints.web.exposure.include=grpclb")
			.run((context) -> assertThat(context).hasSingleBean(GrpcLbEndpoint.class));
	}

	@Test
	void theEndpointShowsBackendsAsTheyServeFailGetEjectedStopAndStart() {
		Backends.Backend failing = backends().all().get(4);
		runner().withPropertyValues("management.endpoints.web.exposure.include=health,grpclb")
			.withPropertyValues(BalancerViewTests.QUICK_EJECTION)
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context
					.getBean(DistributionTests.ConstructorInjected.class).stub;
				GrpcLbEndpoint endpoint = context.getBean(GrpcLbEndpoint.class);
				DistributionTests.warmUp(stub, backends());
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(endpoint.client("orders").usableBackends()).isEqualTo(5));
				for (int i = 0; i < 100; i++) {
					stub.echo(EchoRequest.newBuilder().setMessage("spread").build());
				}

				GrpcLbEndpoint.ClientsDescriptor all = endpoint.clients();
				assertThat(all.mode()).isEqualTo("pooled");
				GrpcLbEndpoint.ClientDescriptor orders = all.clients().get("orders");
				assertThat(orders.target()).isEqualTo("dns:///" + Backends.HOST + ":" + backends().port());
				assertThat(orders.policy()).isEqualTo("round_robin");
				assertThat(orders.state()).isEqualTo("READY");
				assertThat(orders.resolver().type()).isEqualTo("refreshing");
				assertThat(orders.resolver().dnsServer()).isEqualTo("system");
				assertThat(orders.resolver().refreshInterval()).isEqualTo("30s");
				assertThat(orders.settings()).containsEntry("connect-timeout", "5s");
				assertThat(orders.lastResolution().result()).isEqualTo("ok");
				assertThat(orders.nextResolution()).as("next refresh, within the 30 s interval (+10 % jitter)")
					.isBetween(orders.lastResolution().at(), orders.lastResolution().at().plusSeconds(34));
				assertThat(orders.lastResolution().addresses()).hasSize(5);
				assertThat(orders.configuredBy()).containsKey("grpc.lb.clients.orders.target");
				assertThat(orders.settings()).containsEntry("tls", false);
				Map<String, GrpcLbEndpoint.BackendDescriptor> backends = byAddress(orders);
				assertThat(backends.values()).allSatisfy((backend) -> {
					assertThat(backend.state()).isEqualTo("READY");
					assertThat(backend.health()).isEqualTo("SERVING");
					assertThat(backend.usable()).isTrue();
					assertThat(backend.calls()).isPositive();
					assertThat(backend.failures()).isZero();
					assertThat(backend.sharePercent()).isBetween(15.0, 25.0);
				});
				assertThat(TestContexts.healthStatus(context, "grpcLb", "orders")).isEqualTo("UP");
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(gauge(meters, GrpcLbMeters.CONNECTIONS, "state", "ready")).isEqualTo(5);
				assertThat(gauge(meters, GrpcLbMeters.USABLE_BACKENDS)).isEqualTo(5);
				assertThat(gauge(meters, GrpcLbMeters.RESOLVER_ADDRESSES)).isEqualTo(5);
				assertThat(gauge(meters, GrpcLbMeters.RESOLVER_AGE)).isBetween(0.0, 60.0);
				assertThat(meters.get(GrpcLbMeters.HEALTH_TRANSITIONS).tag("client", "orders").tag("status", "serving")
					.functionCounter().count()).isEqualTo(5);

				// One backend fails its calls: it gets ejected.
				failing.mode(Backends.Mode.UNAVAILABLE);
				await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
					BalancerViewTests.callsIgnoringFailures(stub, 25);
					GrpcLbEndpoint.BackendDescriptor ejected = byAddress(endpoint.client("orders"))
						.get(failing.address());
					assertThat(ejected.ejected()).isTrue();
					assertThat(ejected.usable()).isFalse();
					assertThat(ejected.failures()).isPositive();
				});
				assertThat(endpoint.client("orders").ejections()).isEqualTo(1);
				assertThat(endpoint.client("orders").usableBackends()).isEqualTo(4);
				assertThat(gauge(meters, GrpcLbMeters.EJECTED_BACKENDS)).isEqualTo(1);
				assertThat(meters.get(GrpcLbMeters.EJECTIONS).tag("client", "orders").functionCounter().count())
					.isEqualTo(1);

				// Every backend stops: the client has nothing usable, and its health says so.
				backends().all().forEach(Backends.Backend::kill);
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
					GrpcLbEndpoint.ClientDescriptor down = endpoint.client("orders");
					assertThat(down.usableBackends()).isZero();
					assertThat(down.backends()).allSatisfy(
							(backend) -> assertThat(backend.state()).isNotEqualTo("READY"));
					assertThat(TestContexts.healthStatus(context, "grpcLb", "orders")).isEqualTo("DOWN");
					assertThat(gauge(meters, GrpcLbMeters.CONNECTIONS, "state", "ready")).isZero();
					assertThat(gauge(meters, GrpcLbMeters.USABLE_BACKENDS)).isZero();
				});

				// They start again.
				failing.mode(Backends.Mode.ECHO);
				backends().all().forEach(Backends.Backend::restart);
				await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
					assertThat(endpoint.client("orders").usableBackends()).isGreaterThanOrEqualTo(4);
					assertThat(TestContexts.healthStatus(context, "grpcLb", "orders")).isEqualTo("UP");
				});

				assertThat(endpoint.client("nobody")).as("unknown client: 404").isNull();
				// The endpoint's answer serialises as JSON and carries no TLS material.
				String json = TestContexts.json(endpoint.clients());
				assertThat(json).contains("\"ejected\":true").doesNotContain("PRIVATE KEY");
			});
	}

	@Test
	void theHealthContributorIsNotPartOfReadinessByDefault() {
		runner().withPropertyValues("management.endpoint.health.probes.enabled=true").run((context) -> {
			assertThat(TestContexts.healthComponents(context)).contains("grpcLb");
			assertThat(TestContexts.healthComponents(context, "readiness")).isNotEmpty().doesNotContain("grpcLb");
		});
	}

	private static double gauge(MeterRegistry meters, String name, String... tags) {
		return meters.get(name).tag("client", "orders").tags(tags).gauge().value();
	}

	private static Map<String, GrpcLbEndpoint.BackendDescriptor> byAddress(GrpcLbEndpoint.ClientDescriptor client) {
		return client.backends()
			.stream()
			.collect(Collectors.toMap(GrpcLbEndpoint.BackendDescriptor::address, Function.identity()));
	}

}
