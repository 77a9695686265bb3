package io.github.grpclb.channel;

import java.time.Duration;
import java.util.List;

import io.github.grpclb.kubernetes.EndpointSliceWatches;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.RecordingLoad;
import io.github.grpclb.test.kubernetes.KubernetesApi;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.github.grpclb.test.kubernetes.KubernetesApi.ready;
import static io.github.grpclb.test.kubernetes.KubernetesApi.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What {@code kubernetes:} targets do when the Kubernetes API fails them: the API server goes away, RBAC forbids the
 * watch; and that channels share one watch per Service and leave nothing running when they close.
 */
class KubernetesWatchFailureTests {

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(3);

	private KubernetesFixture k8s;

	private KubernetesApi api;

	@BeforeEach
	void start() {
		this.k8s = new KubernetesFixture(this.backendsExtension.get());
		this.api = this.k8s.api;
	}

	@AfterEach
	void stop() throws Exception {
		this.k8s.close();
	}

	@Test
	void whenTheApiServerGoesAwayThenCallsGoOnToTheLastEndpointsAndChangesMadeMeanwhileApplyWhenItIsBack()
			throws Exception {
		this.api.apply(slice("orders-a", "orders", this.k8s.grpcPort(), ready(this.k8s.ip(0), null),
				ready(this.k8s.ip(1), null)));
		ManagedChannel channel = this.k8s.channel("kubernetes:///orders.shop:grpc");
		await().atMost(Duration.ofSeconds(10)).until(() -> KubernetesFixture.servedBy(channel, 10).size() == 2);
		// Let the watch settle: a connection cut in the first milliseconds of a watch can go unnoticed by the
		// JDK HTTP client (docs/dev/endpointslice-research.md, section 2.6).
		Thread.sleep(500);
		try (RecordingLoad load = RecordingLoad.start(EchoServiceGrpc.newBlockingStub(channel), 4)) {
			long cut = load.now();
			this.api.cut();
			await().atMost(Duration.ofSeconds(10)).until(() -> this.k8s.resolutions.failures().stream()
				.anyMatch((f) -> f.startsWith("API server " + this.api.url() + "/ unreachable (")
					&& f.endsWith("; the watch is down, reconnecting with backoff")));
			// Meanwhile pod 1 goes away and pod 2 comes; the resumed watch gets 410 Gone and lists again (as a real
			// API server answers a resource version its watch cache no longer has).
			this.api.goneForNextWatches(1);
			this.api.apply(slice("orders-a", "orders", this.k8s.grpcPort(), ready(this.k8s.ip(0), null),
					ready(this.k8s.ip(2), null)));
			Thread.sleep(1000);
			RecordingLoad.Window gone = load.window(cut, load.now());
			assertThat(gone.attemptsTo(this.k8s.address(1))).as("calls to the last endpoints while gone")
				.isPositive();
			assertThat(gone.attemptsTo(this.k8s.address(2))).as("calls to the pod the client cannot know of")
				.isZero();
			this.api.restore();
			await().atMost(Duration.ofSeconds(15)).until(() -> this.k8s.resolutions.last()
				.equals(List.of(this.k8s.address(0), this.k8s.address(2)))
					|| this.k8s.resolutions.last().equals(List.of(this.k8s.address(2), this.k8s.address(0))));
			long back = load.now();
			Thread.sleep(500);
			RecordingLoad.Window after = load.window(back, load.now());
			assertThat(after.attemptsTo(this.k8s.address(2))).isPositive();
			assertThat(after.attemptsTo(this.k8s.address(1))).isZero();
			assertThat(load.total().failedCalls()).as("failed calls").isZero();
		}
	}

	@Test
	void whenTheWatchSilentlyStopsDeliveringThenTheAuditStartsItAgainAndChangesArrive() throws Exception {
		this.k8s.close();
		// Audits every 300 ms; heartbeats every 20 ms, so that one falls while the new watch lists.
		this.k8s = new KubernetesFixture(this.backendsExtension.get(), new EndpointSliceWatches.Timing(
				Duration.ofMillis(20), Duration.ofMillis(500), Duration.ofMillis(20), Duration.ofMillis(300)));
		this.api = this.k8s.api;
		this.api.apply(slice("orders-a", "orders", this.k8s.grpcPort(), ready(this.k8s.ip(0), null)));
		// The first watch is a dead one: open, but no event ever comes (a connection lost without the client
		// noticing; fabric8 would replace it only after 5 to 10 minutes).
		this.api.silentForNextWatches(1);
		ManagedChannel channel = this.k8s.channel("kubernetes:///orders.shop:grpc");
		await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(
				() -> KubernetesFixture.call(channel).getServedBy().equals(this.k8s.address(0)));
		this.api.apply(slice("orders-a", "orders", this.k8s.grpcPort(), ready(this.k8s.ip(1), null)));
		// Two differences in a row start a new watch, which lists again.
		await().atMost(Duration.ofSeconds(10)).until(() -> this.k8s.resolutions.last()
			.equals(List.of(this.k8s.address(1))));
		assertThat(KubernetesFixture.call(channel).getServedBy()).isEqualTo(this.k8s.address(1));
		assertThat(this.api.watches()).as("watches: the dead one and its replacement").isEqualTo(2);
		assertThat(this.k8s.resolutions.failures()).as("what the resolver reported while the watch was replaced")
			.isEmpty();
	}

	@Test
	void whenRbacForbidsTheWatchThenCallsFailNamingTheRoleRuleAndWorkOnceItIsGranted() {
		this.api.forbidden(true);
		this.api.apply(slice("orders-a", "orders", this.k8s.grpcPort(), ready(this.k8s.ip(0), null)));
		ManagedChannel channel = this.k8s.channel("kubernetes:///orders.shop:grpc");
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(() -> KubernetesFixture.call(channel))
			.isInstanceOfSatisfying(StatusRuntimeException.class, (ex) -> {
				assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
				assertThat(ex.getStatus().getDescription()).startsWith("gRPC client 'orders': watching the "
						+ "EndpointSlices of Service shop/orders: forbidden (endpointslices.discovery.k8s.io is "
						+ "forbidden: User \"system:serviceaccount:shop:gateway\" cannot list resource")
					.endsWith("Grant the application's service account get, list and watch on endpointslices in "
							+ "namespace shop: a Role with apiGroups [discovery.k8s.io], resources [endpointslices], "
							+ "verbs [get, list, watch] and a RoleBinding to the service account");
			}));
		this.api.forbidden(false);
		// fabric8 retries the list with backoff (1 s, 2 s, 4 s, … from the first failure).
		await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(
				() -> assertThat(KubernetesFixture.call(channel).getServedBy()).isEqualTo(this.k8s.address(0)));
	}

	@Test
	void whenRbacIsRevokedWhileRunningThenTheLastEndpointsStayAndChangesApplyOnceItIsBack() throws Exception {
		this.api.apply(slice("orders-a", "orders", this.k8s.grpcPort(), ready(this.k8s.ip(0), null)));
		ManagedChannel channel = this.k8s.channel("kubernetes:///orders.shop:grpc");
		await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(
				() -> KubernetesFixture.call(channel).getServedBy().equals(this.k8s.address(0)));
		Thread.sleep(500);
		this.api.forbidden(true);
		// The watch breaks; fabric8 lists again and gets 403.
		this.api.cut();
		this.api.restore();
		await().atMost(Duration.ofSeconds(15)).until(() -> this.k8s.resolutions.failures().stream()
			.anyMatch((f) -> f.startsWith("forbidden (endpointslices.discovery.k8s.io is forbidden")
					&& f.endsWith("; the watch is down, reconnecting with backoff")));
		assertThat(KubernetesFixture.call(channel).getServedBy()).isEqualTo(this.k8s.address(0));
		this.api.apply(slice("orders-a", "orders", this.k8s.grpcPort(), ready(this.k8s.ip(1), null)));
		this.api.forbidden(false);
		await().atMost(Duration.ofSeconds(20)).until(() -> this.k8s.resolutions.last()
			.equals(List.of(this.k8s.address(1))));
		assertThat(KubernetesFixture.call(channel).getServedBy()).isEqualTo(this.k8s.address(1));
	}

	@Test
	void whenManyChannelsAndADialPerRequestClientUseOneServiceThenTheApiServerSeesOneListAndOneWatch() {
		this.api.apply(slice("orders-a", "orders", this.k8s.grpcPort(), ready(this.k8s.ip(0), null),
				ready(this.k8s.ip(1), null)));
		ManagedChannel first = this.k8s.channel("kubernetes:///orders.shop:grpc");
		ManagedChannel second = this.k8s.channel("kubernetes:///orders.shop:grpc");
		io.grpc.Channel dialed = this.k8s.dialPerRequest("kubernetes:///orders.shop:grpc").channel("orders");
		await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> KubernetesFixture.servedBy(first, 10)
			.size() == 2 && KubernetesFixture.servedBy(second, 10).size() == 2);
		for (int i = 0; i < 100; i++) {
			assertThat(KubernetesFixture.call(dialed).getServedBy()).isIn(this.k8s.address(0), this.k8s.address(1));
		}
		assertThat(this.k8s.watches.watched()).containsExactly("shop/orders");
		assertThat(this.api.lists()).as("lists").isEqualTo(1);
		assertThat(this.api.watches()).as("watches").isEqualTo(1);
	}

	@Test
	void whenTheLastChannelOfAServiceClosesThenItsWatchStopsAndClosingTheWatchesEndsTheirThreads()
			throws Exception {
		this.api.apply(slice("orders-a", "orders", this.k8s.grpcPort(), ready(this.k8s.ip(0), null)));
		ManagedChannel channel = this.k8s.channel("kubernetes:///orders.shop:grpc");
		await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(
				() -> KubernetesFixture.call(channel).getServedBy().equals(this.k8s.address(0)));
		assertThat(this.k8s.watches.watched()).containsExactly("shop/orders");
		channel.shutdown();
		assertThat(channel.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.k8s.watches.watched().isEmpty());
		this.k8s.watches.close();
		await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
			.noneMatch((thread) -> thread.isAlive() && thread.getName().equals("grpc-lb-endpointslices")));
	}

	@Test
	void whenTheKubernetesClientCannotBeBuiltThenCallsFailNamingWhyAndATargetWithoutNamespaceIsRefused() {
		EndpointSliceWatches broken = new EndpointSliceWatches(() -> {
			throw new IllegalStateException("kubeconfig: no such context 'gone'");
		}, true, KubernetesFixture.TIMING, () -> null);
		try {
			GrpcLbChannelFactory factory = new GrpcLbChannelFactory(List.of(), ResolutionListener.NONE, null, broken);
			ManagedChannel channel = factory.createPooled("orders",
					this.k8s.settings("kubernetes:///orders.shop:grpc", ResolverSettings.KubernetesSettings.DEFAULTS));
			try {
				assertThatThrownBy(() -> KubernetesFixture.call(channel))
					.isInstanceOfSatisfying(StatusRuntimeException.class, (ex) -> {
						assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
						assertThat(ex.getStatus().getDescription()).isEqualTo("gRPC client 'orders': cannot watch the "
								+ "EndpointSlices of Service shop/orders: java.lang.IllegalStateException: kubeconfig: "
								+ "no such context 'gone'");
					});
			}
			finally {
				channel.shutdownNow();
			}
			assertThatThrownBy(() -> factory.createPooled("orders",
					this.k8s.settings("kubernetes:///orders:grpc", ResolverSettings.KubernetesSettings.DEFAULTS)))
				.isInstanceOf(InvalidTargetException.class)
				.hasMessageContaining("the Kubernetes client cannot tell the application's namespace (kubeconfig: no "
						+ "such context 'gone'); name the namespace in the target");
		}
		finally {
			broken.close();
		}
	}

	@Test
	void whenATargetUsesKubernetesWithoutAKubernetesClientThenTheChannelCannotBeBuiltAndTheDependencyIsNamed() {
		GrpcLbChannelFactory factory = new GrpcLbChannelFactory(List.of());
		assertThatThrownBy(() -> factory.createPooled("orders",
				PooledChannelRegistryTests.settingsFor("kubernetes:///orders.shop:grpc")))
			.isInstanceOf(InvalidTargetException.class)
			.hasMessageContaining("gRPC client 'orders'")
			.hasMessageContaining("a kubernetes: target needs fabric8's Kubernetes client: add "
					+ "io.fabric8:kubernetes-client-api, io.fabric8:kubernetes-client");
	}

}
