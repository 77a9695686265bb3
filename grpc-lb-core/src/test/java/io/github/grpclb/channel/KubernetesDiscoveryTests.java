package io.github.grpclb.channel;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.RecordingLoad;
import io.github.grpclb.test.kubernetes.KubernetesApi;
import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.github.grpclb.test.kubernetes.KubernetesApi.endpoint;
import static io.github.grpclb.test.kubernetes.KubernetesApi.ready;
import static io.github.grpclb.test.kubernetes.KubernetesApi.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code kubernetes:} targets end to end: real grpc-java backends on 127.0.0.2-6 (the "pods"), fabric8's mock API
 * server in CRUD mode holding the Service's EndpointSlices, the starter's watches and pooled channels.
 */
class KubernetesDiscoveryTests {

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5);

	private KubernetesFixture k8s;

	@BeforeEach
	void start() {
		this.k8s = new KubernetesFixture(this.backendsExtension.get());
		this.api = this.k8s.api;
		this.resolutions = this.k8s.resolutions;
	}

	@AfterEach
	void stop() throws Exception {
		this.k8s.close();
	}

	private KubernetesApi api;

	private KubernetesFixture.Resolutions resolutions;

	private Backends backends() {
		return this.backendsExtension.get();
	}

	private String ip(int index) {
		return this.k8s.ip(index);
	}

	private String address(int index) {
		return this.k8s.address(index);
	}

	private Map<String, Integer> grpcPort() {
		return this.k8s.grpcPort();
	}

	private ManagedChannel channel(String target) {
		return this.k8s.channel(target);
	}

	private static EchoReply call(ManagedChannel channel) {
		return KubernetesFixture.call(channel);
	}

	private static Set<String> servedBy(ManagedChannel channel, int calls) {
		return KubernetesFixture.servedBy(channel, calls);
	}

	@Test
	void whenTheServiceHasReadyEndpointsThenCallsGoRoundRobinOverThemOnThePortNamedInTheTarget() {
		this.api.apply(slice("orders-a", "orders", grpcPort(), ready(ip(0), "a"), ready(ip(1), "b")));
		this.api.apply(slice("orders-b", "orders", grpcPort(), ready(ip(2), "a")));
		this.api.apply(slice("payments-a", "payments", grpcPort(), ready(ip(3), "a")));
		ManagedChannel channel = channel("kubernetes:///orders.shop:grpc");
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(servedBy(channel, 30))
			.containsExactlyInAnyOrder(address(0), address(1), address(2)));
		assertThat(channel.authority()).isEqualTo("orders.shop.svc");
		assertThat(this.resolutions.last()).containsExactlyInAnyOrder(address(0), address(1), address(2));
	}

	@Test
	void whenAPodBecomesReadyThenItGetsCallsWithinOneSecondAndWhenItIsRemovedThenItGetsNoMore() throws Exception {
		this.api.apply(slice("orders-a", "orders", grpcPort(), ready(ip(0), null), ready(ip(1), null)));
		ManagedChannel channel = channel("kubernetes:///orders.shop:grpc");
		await().atMost(Duration.ofSeconds(10)).until(() -> servedBy(channel, 10).size() == 2);
		try (RecordingLoad load = RecordingLoad.start(EchoServiceGrpc.newBlockingStub(channel), 4)) {
			// Scale up: a third pod turns ready.
			long added = load.now();
			this.api.apply(slice("orders-a", "orders", grpcPort(), ready(ip(0), null), ready(ip(1), null),
					ready(ip(2), null)));
			long firstCall = load.awaitWindow(added, (w) -> w.attemptsTo(address(2)) > 0, Duration.ofSeconds(10));
			assertThat(firstCall).as("the new pod got calls").isPositive();
			assertThat(Duration.ofNanos(firstCall - added)).as("time to the new pod's first call")
				.isLessThan(Duration.ofSeconds(1));
			// Scale down: the first pod's endpoint goes away.
			long removed = load.now();
			this.api.apply(slice("orders-a", "orders", grpcPort(), ready(ip(1), null), ready(ip(2), null)));
			await().atMost(Duration.ofSeconds(10)).until(() -> !this.resolutions.last().contains(address(0)));
			long afterPublish = load.now();
			Thread.sleep(500);
			RecordingLoad.Window after = load.window(afterPublish, load.now());
			assertThat(after.attemptsTo(address(0))).as("calls to the removed pod after the publish").isZero();
			assertThat(after.attemptsTo(address(1))).isPositive();
			assertThat(load.window(added, load.now()).failedCalls()).as("failed calls").isZero();
			assertThat(Duration.ofNanos(afterPublish - removed)).isLessThan(Duration.ofSeconds(10));
		}
	}

	@Test
	void whenAPodTurnsNotReadyOrStartsTerminatingThenItGetsNoNewCallsWithinOneSecondAndNoCallFails()
			throws Exception {
		this.api.apply(slice("orders-a", "orders", grpcPort(), ready(ip(0), null), ready(ip(1), null),
				ready(ip(2), null)));
		ManagedChannel channel = channel("kubernetes:///orders.shop:grpc");
		await().atMost(Duration.ofSeconds(10)).until(() -> servedBy(channel, 20).size() == 3);
		try (RecordingLoad load = RecordingLoad.start(EchoServiceGrpc.newBlockingStub(channel), 4)) {
			Thread.sleep(300);
			long changed = load.now();
			// Pod 0 fails its readiness probe; pod 1 is being deleted (what the controller writes for it).
			this.api.apply(slice("orders-a", "orders", grpcPort(), endpoint(ip(0), false, false, false, null),
					endpoint(ip(1), false, true, true, null), ready(ip(2), null)));
			Thread.sleep(1000);
			long oneSecondLater = load.now();
			Thread.sleep(500);
			RecordingLoad.Window after = load.window(oneSecondLater, load.now());
			assertThat(after.attemptsTo(address(0))).as("calls to the not-ready pod a second later").isZero();
			assertThat(after.attemptsTo(address(1))).as("calls to the terminating pod a second later").isZero();
			assertThat(after.attemptsTo(address(2))).isPositive();
			assertThat(load.window(changed, load.now()).failedCalls()).as("failed calls").isZero();
			// Ready again: back in rotation.
			this.api.apply(slice("orders-a", "orders", grpcPort(), ready(ip(0), null), ready(ip(2), null)));
			assertThat(load.awaitWindow(load.now(), (w) -> w.attemptsTo(address(0)) > 0, Duration.ofSeconds(10)))
				.isPositive();
		}
	}

	@Test
	void whenConditionsAreUnsetThenTheEndpointCountsAsReady() {
		this.api.apply(slice("orders-a", "orders", grpcPort(), endpoint(ip(0), null, null, null, null)));
		ManagedChannel channel = channel("kubernetes:///orders.shop:grpc");
		await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
			.untilAsserted(() -> assertThat(call(channel).getServedBy()).isEqualTo(address(0)));
	}

	@Test
	void whenSlicesMapThePortNameToDifferentNumbersThenEachAddressGetsItsSlicesPort() throws Exception {
		try (Backends other = Backends.start(1)) {
			this.api.apply(slice("orders-a", "orders", Map.of("grpc", backends().port()), ready(ip(1), null)));
			this.api.apply(slice("orders-b", "orders", Map.of("grpc", other.port()), ready(ip(0), null)));
			ManagedChannel channel = channel("kubernetes:///orders.shop:grpc");
			await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> assertThat(servedBy(channel, 20))
				.containsExactlyInAnyOrder(address(1), "127.0.0.2:" + other.port()));
		}
	}

	@Test
	void whenThePortNameIsNotAPortOfTheServiceThenCallsFailNamingItsPorts() {
		this.api.apply(slice("orders-a", "orders", grpcPort(), ready(ip(0), null)));
		ManagedChannel channel = channel("kubernetes:///orders.shop:http");
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(() -> call(channel))
			.isInstanceOfSatisfying(StatusRuntimeException.class, (ex) -> {
				assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
				assertThat(ex.getStatus().getDescription())
					.isEqualTo("gRPC client 'orders': Service shop/orders has no port named http (its ports: grpc, "
							+ "metrics)");
			}));
	}

	@Test
	void whenTheTargetHasANumericPortOrNoNamespaceThenThosePortAndTheClientsNamespaceAreUsed() {
		this.api.apply(slice("orders-a", "orders", grpcPort(), ready(ip(0), null)));
		ManagedChannel channel = channel("kubernetes:///orders:" + backends().port());
		await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
			.untilAsserted(() -> assertThat(call(channel).getServedBy()).isEqualTo(address(0)));
		assertThat(this.k8s.watches.watched()).containsExactly("shop/orders");
		assertThat(channel.authority()).isEqualTo("orders.shop.svc:" + backends().port());
	}

	@Test
	void whenTheClientPrefersItsZoneThenCallsStayThereWhileItHasEnoughReadyEndpointsAndSpillOverOtherwise() {
		this.api.apply(slice("orders-a", "orders", grpcPort(), ready(ip(0), "zone-a"), ready(ip(1), "zone-a"),
				ready(ip(2), "zone-b"), ready(ip(3), "zone-c")));
		ManagedChannel channel = this.k8s.channel("kubernetes:///orders.shop:grpc",
				new ResolverSettings.KubernetesSettings(true, "zone-a", 2));
		await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(
				() -> assertThat(servedBy(channel, 30)).containsExactlyInAnyOrder(address(0), address(1)));
		// One of the two local pods turns not ready: fewer than 2 in the zone, so every zone takes calls.
		this.api.apply(slice("orders-a", "orders", grpcPort(), ready(ip(0), "zone-a"),
				endpoint(ip(1), false, false, false, "zone-a"), ready(ip(2), "zone-b"), ready(ip(3), "zone-c")));
		await().atMost(Duration.ofSeconds(10)).untilAsserted(
				() -> assertThat(servedBy(channel, 30)).containsExactlyInAnyOrder(address(0), address(2), address(3)));
		// Back: calls stay in the zone again.
		this.api.apply(slice("orders-a", "orders", grpcPort(), ready(ip(0), "zone-a"), ready(ip(1), "zone-a"),
				ready(ip(2), "zone-b"), ready(ip(3), "zone-c")));
		await().atMost(Duration.ofSeconds(10)).untilAsserted(
				() -> assertThat(servedBy(channel, 30)).containsExactlyInAnyOrder(address(0), address(1)));
	}

	@Test
	void whenEveryEndpointHasZoneHintsThenTheHintsDecideWhichOnesTheClientsZoneUses() {
		// The controller lent pod 2 (zone b) to zone a, which has one pod of its own.
		this.api.apply(slice("orders-a", "orders", grpcPort(), KubernetesApi.hinted(ip(0), "zone-a", "zone-a"),
				KubernetesApi.hinted(ip(1), "zone-b", "zone-b"), KubernetesApi.hinted(ip(2), "zone-b", "zone-a")));
		ManagedChannel channel = this.k8s.channel("kubernetes:///orders.shop:grpc",
				new ResolverSettings.KubernetesSettings(true, "zone-a", 1));
		await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(
				() -> assertThat(servedBy(channel, 30)).containsExactlyInAnyOrder(address(0), address(2)));
	}

	@Test
	void whenTheZoneIsNotSetThenItIsTheZoneLabelOfTheNodeTheApplicationRunsOn() throws Exception {
		this.api.node("node-1", "zone-b");
		this.api.apply(slice("orders-a", "orders", grpcPort(), ready(ip(0), "zone-a"), ready(ip(1), "zone-b")));
		try (io.github.grpclb.kubernetes.EndpointSliceWatches watches = new io.github.grpclb.kubernetes.EndpointSliceWatches(
				this.api::newClient, true, KubernetesFixture.TIMING, () -> "node-1")) {
			ManagedChannel channel = new GrpcLbChannelFactory(java.util.List.of(), ResolutionListener.NONE, null,
					watches).createPooled("orders", this.k8s.settings("kubernetes:///orders.shop:grpc",
							new ResolverSettings.KubernetesSettings(true, null, 1)));
			try {
				await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(
						() -> assertThat(servedBy(channel, 20)).containsExactly(address(1)));
			}
			finally {
				channel.shutdownNow();
			}
		}
	}

	@Test
	void whenNoEndpointIsReadyThenConnectionsCloseAndCallsFailNamingTheServiceUntilOneIsReady() {
		this.api.apply(slice("orders-a", "orders", grpcPort(), ready(ip(0), null), ready(ip(1), null)));
		ManagedChannel channel = channel("kubernetes:///orders.shop:grpc");
		await().atMost(Duration.ofSeconds(10)).until(() -> servedBy(channel, 10).size() == 2);
		assertThat(backends().byAddress().get(address(0)).openConnections()).isEqualTo(1);
		this.api.apply(slice("orders-a", "orders", grpcPort(), endpoint(ip(0), false, false, false, null),
				endpoint(ip(1), false, true, true, null)));
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(() -> call(channel))
			.isInstanceOfSatisfying(StatusRuntimeException.class, (ex) -> {
				assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
				assertThat(ex.getStatus().getDescription()).isEqualTo("gRPC client 'orders': Service shop/orders "
						+ "has no ready endpoint (1 not ready, 1 terminating)");
			}));
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			// grpc-java closes a removed connection 5 s after its policy let go of it (calls picked meanwhile).
			assertThat(backends().byAddress().get(address(0)).openConnections()).as("connections to pod 0").isZero();
			assertThat(backends().byAddress().get(address(1)).openConnections()).as("connections to pod 1").isZero();
		});
		this.api.delete("orders-a");
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(() -> call(channel))
			.hasMessageContaining("Service shop/orders has no EndpointSlices: does it exist in namespace shop"));
		this.api.apply(slice("orders-b", "orders", grpcPort(), ready(ip(2), null)));
		await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
			.untilAsserted(() -> assertThat(call(channel).getServedBy()).isEqualTo(address(2)));
	}

}
