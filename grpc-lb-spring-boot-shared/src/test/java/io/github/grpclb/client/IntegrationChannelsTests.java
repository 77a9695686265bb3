package io.github.grpclb.client;

import java.time.Duration;

import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The starter's settings reach the channels the Boot line's gRPC integration makes itself (net.devh's
 * {@code @GrpcClient} on Boot 3.5, Spring gRPC's {@code spring.grpc.client.channel.*} on Boot 4), which are set up
 * here to ask for {@code pick_first}.
 */
class IntegrationChannelsTests {

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5);

	private Backends backends() {
		return this.backendsExtension.get();
	}

	@Test
	void whenTheIntegrationsChannelAsksForPickFirstThenTheStarterStillSpreadsItsCalls() {
		integrationRunner().run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = TestContexts.integrationClient(context, "orders");
			for (int i = 0; i < 200; i++) {
				stub.echo(EchoRequest.newBuilder().setMessage("call").build());
			}
			assertThat(backends().callCounts()).as("round_robin from grpc.lb.defaults")
				.allSatisfy((address, count) -> assertThat(count).as(address).isPositive());
		});
	}

	@Test
	void theIntegrationsChannelAlsoStopsCallingABackendThatReportsNotServing() {
		integrationRunner().run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = TestContexts.integrationClient(context, "orders");
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				stub.echo(EchoRequest.newBuilder().setMessage("warm").build());
				assertThat(backends().all()).allSatisfy((backend) -> assertThat(backend.calls()).isPositive());
			});
			Backends.Backend sick = backends().all().get(1);
			sick.serving(false);
			long switched = System.nanoTime();
			while (System.nanoTime() - switched < Duration.ofSeconds(2).toNanos()) {
				stub.echo(EchoRequest.newBuilder().setMessage("during").build());
			}
			int before = sick.calls();
			for (int i = 0; i < 200; i++) {
				stub.echo(EchoRequest.newBuilder().setMessage("after").build());
			}
			assertThat(sick.calls() - before).as("calls of the integration's channel to the NOT_SERVING backend")
				.isZero();
		});
	}

	@Test
	void whenTheIntegrationIsSwitchedOffThenItsChannelKeepsItsOwnPolicy() {
		integrationRunner().withPropertyValues(TestContexts.INTEGRATION_FLAG + "=false").run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = TestContexts.integrationClient(context, "orders");
			for (int i = 0; i < 200; i++) {
				stub.echo(EchoRequest.newBuilder().setMessage("call").build());
			}
			assertThat(backends().callCounts().values()).as("pick_first: one backend takes everything")
				.containsOnlyOnce(200)
				.filteredOn((count) -> count == 0)
				.hasSize(4);
		});
	}

	private ApplicationContextRunner integrationRunner() {
		return TestContexts
			.withIntegrationClient(TestContexts.runner(), "orders", "dns:///" + Backends.HOST + ":" + backends().port())
			.withPropertyValues(TestContexts.integrationPolicy("orders", "pick_first"));
	}

}
