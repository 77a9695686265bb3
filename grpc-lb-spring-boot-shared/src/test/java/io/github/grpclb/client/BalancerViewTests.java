package io.github.grpclb.client;

import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.ClientView;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.ConnectivityState;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the balancer shows ({@link ClientView}) follows real backends as they connect, fail their health check, lack
 * the health service, get ejected, stop and come back. Also pins the grpc-java log lines the view reads (see
 * {@link io.github.grpclb.channel.ObservingLoadBalancerProvider}): if an upgrade rewords them, this fails.
 */
class BalancerViewTests {

	/** Outlier detection that ejects within seconds, and no retries, so that failures reach it. */
	static final String[] QUICK_EJECTION = { "grpc.lb.clients.orders.outlier-detection.interval=1s",
			"grpc.lb.clients.orders.outlier-detection.failure-percentage.request-volume=5",
			"grpc.lb.clients.orders.retry.enabled=false" };

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5);

	private Backends backends() {
		return this.backendsExtension.get();
	}

	@Test
	void theViewFollowsConnectionsHealthAndEjections() {
		Backends.Backend notServing = backends().all().get(1);
		Backends.Backend noHealth = backends().all().get(2);
		Backends.Backend failing = backends().all().get(3);
		notServing.serving(false);
		noHealth.healthService(false);
		TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=" + Backends.HOST + ":" + backends().port())
			.withPropertyValues(QUICK_EJECTION)
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context
					.getBean(DistributionTests.ConstructorInjected.class).stub;
				BalancerViews views = context.getBean(BalancerViews.class);
				stub.echo(EchoRequest.newBuilder().setMessage("first").build());
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
					Map<String, ClientView.BackendSnapshot> byAddress = backendsOf(views);
					assertThat(byAddress).hasSize(5);
					assertThat(byAddress.values()).allSatisfy(
							(backend) -> assertThat(backend.state()).isEqualTo(ConnectivityState.READY));
					assertThat(byAddress.get(backends().all().get(0).address()).health())
						.isEqualTo(ClientView.Health.SERVING);
					assertThat(byAddress.get(notServing.address()).health()).isEqualTo(ClientView.Health.NOT_SERVING);
					assertThat(byAddress.get(noHealth.address()).health()).isEqualTo(ClientView.Health.NOT_SUPPORTED);
				});
				ClientView.Snapshot first = views.view("orders").snapshot();
				assertThat(first.target()).isEqualTo("dns:///" + Backends.HOST + ":" + backends().port());
				assertThat(first.pooled()).isTrue();
				assertThat(first.healthChecked()).isTrue();
				assertThat(first.channelState()).isEqualTo(ConnectivityState.READY);
				assertThat(first.lastResolution().succeeded()).isTrue();
				assertThat(first.lastResolution().addresses()).hasSize(5);
				assertThat(first.usableBackends()).as("2 serving, the one without health service, the one about to fail")
					.isEqualTo(4);

				// The failing backend gets ejected once its calls fail.
				failing.mode(Backends.Mode.UNAVAILABLE);
				await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
					callsIgnoringFailures(stub, 20);
					ClientView.BackendSnapshot ejected = backendsOf(views).get(failing.address());
					assertThat(ejected.ejected()).isTrue();
					assertThat(ejected.ejectedSince()).isNotNull();
					assertThat(ejected.ejections()).isEqualTo(1);
					assertThat(ejected.health()).as("grpc-java stops checking an ejected backend")
						.isEqualTo(ClientView.Health.NOT_CHECKED);
					assertThat(ejected.usable()).isFalse();
				});
				assertThat(views.view("orders").snapshot().ejections()).isEqualTo(1);

				// The NOT_SERVING backend turns SERVING.
				notServing.serving(true);
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(backendsOf(views).get(notServing.address()).health())
						.isEqualTo(ClientView.Health.SERVING));
				assertThat(views.view("orders").snapshot().healthTransitions().get(ClientView.Health.SERVING))
					.isGreaterThanOrEqualTo(2);

				// A killed backend loses its connection; it is READY again after a restart.
				Backends.Backend killed = backends().all().get(0);
				killed.kill();
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
					ClientView.BackendSnapshot gone = backendsOf(views).get(killed.address());
					assertThat(gone.state()).isIn(ConnectivityState.TRANSIENT_FAILURE, ConnectivityState.CONNECTING,
							ConnectivityState.IDLE);
					assertThat(gone.usable()).isFalse();
				});
				killed.restart();
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
					stub.echo(EchoRequest.newBuilder().setMessage("back").build());
					ClientView.BackendSnapshot back = backendsOf(views).get(killed.address());
					assertThat(back.state()).isEqualTo(ConnectivityState.READY);
					assertThat(back.health()).isEqualTo(ClientView.Health.SERVING);
				});
			});
	}

	/** Calls whose failures are expected: they are what gets a failing backend ejected. */
	static void callsIgnoringFailures(EchoServiceGrpc.EchoServiceBlockingStub stub, int calls) {
		for (int i = 0; i < calls; i++) {
			try {
				stub.echo(EchoRequest.newBuilder().setMessage("load").build());
			}
			catch (StatusRuntimeException ex) {
				// Expected from the failing backend.
			}
		}
	}

	private static Map<String, ClientView.BackendSnapshot> backendsOf(BalancerViews views) {
		return views.view("orders")
			.snapshot()
			.backends()
			.stream()
			.collect(Collectors.toMap(ClientView.BackendSnapshot::address, Function.identity()));
	}

}
