package io.github.grpclb.client;

import java.time.Duration;
import java.util.Map;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.grpclb.actuate.GrpcLbEndpoint;
import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.ClientView;
import io.github.grpclb.metrics.GrpcLbMeters;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.kubernetes.KubernetesApi;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static io.github.grpclb.test.kubernetes.KubernetesApi.endpoint;
import static io.github.grpclb.test.kubernetes.KubernetesApi.ready;
import static io.github.grpclb.test.kubernetes.KubernetesApi.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@code grpc.lb.clients.<name>.target: kubernetes:///service.namespace:port} in an application: the Service's
 * ready endpoints (fabric8's mock API server in CRUD mode holds its EndpointSlices; the "pods" are real backends on
 * 127.0.0.2-6), through the application's {@code KubernetesClient} bean, pooled and in the rollback mode, on the
 * integration's own channels too. (The startup errors: {@code InvalidConfigurationTests}.)
 */
class KubernetesTargetTests {

	private static final String TARGET = "kubernetes:///orders.shop:grpc";

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5);

	private KubernetesApi api;

	@BeforeEach
	void startApi() {
		this.api = KubernetesApi.start();
	}

	@AfterEach
	void stopApi() {
		this.api.close();
	}

	private Backends backends() {
		return this.backendsExtension.get();
	}

	private String ip(int index) {
		return "127.0.0." + (2 + index);
	}

	/** Pods 0-2 ready, pod 3 not ready, pod 4 terminating. */
	private void threeReadyOfFive() {
		Map<String, Integer> ports = Map.of("grpc", backends().port(), "http", 8080);
		this.api.apply(slice("orders-a", "orders", ports, ready(ip(0), "zone-a"), ready(ip(1), "zone-b"),
				endpoint(ip(3), false, false, false, "zone-a")));
		this.api.apply(slice("orders-b", "orders", ports, ready(ip(2), "zone-a"),
				endpoint(ip(4), false, true, true, "zone-b")));
	}

	private ApplicationContextRunner runner(ApplicationContextRunner runner) {
		return runner.withBean(DistributionTests.ConstructorInjected.class)
			.withBean(KubernetesClient.class, this.api::newClient)
			.withPropertyValues("grpc.lb.clients.orders.target=" + TARGET);
	}

	@Test
	void whenTheTargetIsAServiceThenCallsSpreadEvenlyOverItsReadyEndpointsOverOneConnectionEach() {
		threeReadyOfFive();
		runner(TestContexts.runnerWithMetrics()).run((context) -> {
			assertThat(context).hasNotFailed();
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
				stub.echo(EchoRequest.newBuilder().setMessage("warm").build());
				assertThat(backends().all().subList(0, 3)).allSatisfy((b) -> assertThat(b.calls()).isPositive());
			});
			backends().resetCallCounts();
			for (int i = 0; i < 300; i++) {
				stub.echo(EchoRequest.newBuilder().setMessage("call-" + i).build());
			}
			assertThat(backends().callCounts()).containsExactlyInAnyOrderEntriesOf(Map.of(
					ip(0) + ":" + backends().port(), 100, ip(1) + ":" + backends().port(), 100,
					ip(2) + ":" + backends().port(), 100, ip(3) + ":" + backends().port(), 0,
					ip(4) + ":" + backends().port(), 0));
			assertThat(backends().all().subList(0, 3)).allSatisfy((b) -> assertThat(b.openConnections()).isEqualTo(1));
			assertThat(backends().all().subList(3, 5)).allSatisfy((b) -> assertThat(b.connections()).isZero());
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get(GrpcLbMeters.RESOLVER_ADDRESSES).tag("client", "orders").gauge().value())
				.isEqualTo(3.0);
		});
	}

	@Test
	void withZonePreferenceCallsStayInTheClientsZoneAndTheEndpointAndMetersShowTheSplit() {
		threeReadyOfFive();
		runner(TestContexts.withActuator(TestContexts.runnerWithMetrics()))
			.withPropertyValues("management.endpoints.web.exposure.include=grpclb",
					"grpc.lb.clients.orders.kubernetes.prefer-same-zone=true",
					"grpc.lb.clients.orders.kubernetes.zone=zone-a",
					"grpc.lb.clients.orders.kubernetes.min-same-zone-endpoints=2")
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context
					.getBean(DistributionTests.ConstructorInjected.class).stub;
				await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
					stub.echo(EchoRequest.newBuilder().setMessage("warm").build());
					assertThat(backends().all().get(0).calls()).isPositive();
					assertThat(backends().all().get(2).calls()).isPositive();
				});
				for (int i = 0; i < 100; i++) {
					stub.echo(EchoRequest.newBuilder().setMessage("call-" + i).build());
				}
				assertThat(backends().all().get(1).calls()).as("calls to the pod in zone-b").isZero();
				GrpcLbEndpoint.ClientDescriptor view = context.getBean(GrpcLbEndpoint.class).client("orders");
				assertThat(view.resolver().type()).isEqualTo("kubernetes");
				assertThat(view.resolver().preferredZone()).isEqualTo("zone-a");
				assertThat(view.backends()).extracting(GrpcLbEndpoint.BackendDescriptor::address,
						GrpcLbEndpoint.BackendDescriptor::zone)
					.containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(ip(0) + ":" + backends().port(),
							"zone-a"), org.assertj.core.groups.Tuple.tuple(ip(2) + ":" + backends().port(), "zone-a"));
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(meters
					.get(GrpcLbMeters.ZONE_BACKENDS).tag("client", "orders").tag("zone", "zone-a").gauge().value())
					.isEqualTo(2.0));
			});
	}

	@Test
	void whenPoolingIsOffThenEachCallDialsOneReadyEndpoint() {
		threeReadyOfFive();
		runner(TestContexts.runner()).withPropertyValues("grpc.lb.pooling.enabled=false").run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
				.until(() -> stub.echo(EchoRequest.newBuilder().setMessage("warm").build()) != null);
			for (int i = 0; i < 150; i++) {
				stub.echo(EchoRequest.newBuilder().setMessage("call-" + i).build());
			}
			assertThat(backends().all().subList(0, 3)).allSatisfy((b) -> assertThat(b.connections())
				.as("connections to %s (about 50 expected)", b.address()).isPositive());
			assertThat(backends().all().subList(3, 5)).allSatisfy((b) -> assertThat(b.connections()).isZero());
			assertThat(backends().connectionCounts().values().stream().mapToInt(Integer::intValue).sum())
				.as("one connection per call").isEqualTo(151);
			assertThat(this.api.watches()).as("one watch for all dialed calls").isEqualTo(1);
		});
	}

	@Test
	void whenTheServiceHasNoReadyEndpointThenCallsFailUnavailableNamingIt() {
		this.api.apply(slice("orders-a", "orders", Map.of("grpc", backends().port()),
				endpoint(ip(0), false, false, false, null)));
		runner(TestContexts.runner()).run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatExceptionOfType(
					StatusRuntimeException.class)
				.isThrownBy(() -> stub.echo(EchoRequest.newBuilder().setMessage("x").build()))
				.satisfies((ex) -> {
					assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
					assertThat(ex.getStatus().getDescription()).isEqualTo("gRPC client 'orders': Service "
							+ "shop/orders has no ready endpoint (1 not ready, 0 terminating)");
				}));
			// What operators see: the balancer has no backend and is in TRANSIENT_FAILURE from the first resolution.
			ClientView.Snapshot view = context.getBean(BalancerViews.class).view("orders").snapshot();
			assertThat(view.channelState()).isEqualTo(io.grpc.ConnectivityState.TRANSIENT_FAILURE);
			assertThat(view.backends()).isEmpty();
		});
	}

	@Test
	void theIntegrationsOwnChannelsAlsoResolveAKubernetesAddress() {
		threeReadyOfFive();
		TestContexts.withIntegrationClient(runner(TestContexts.runner()), "orders", TARGET)
			.withPropertyValues(TestContexts.integrationPolicy("orders", "pick_first"))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				EchoServiceGrpc.EchoServiceBlockingStub stub = TestContexts.integrationClient(context, "orders");
				await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
					stub.echo(EchoRequest.newBuilder().setMessage("warm").build());
					assertThat(backends().all().subList(0, 3)).allSatisfy((b) -> assertThat(b.calls()).isPositive());
				});
				assertThat(backends().all().subList(3, 5)).allSatisfy((b) -> assertThat(b.calls()).isZero());
			});
	}

}
