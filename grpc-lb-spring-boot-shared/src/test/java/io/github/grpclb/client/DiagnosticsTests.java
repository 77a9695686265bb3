package io.github.grpclb.client;

import java.time.Duration;
import java.util.List;

import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.ClientView;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.DnsResponder;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Runtime advice that names the client and the fix: a Service name that resolves to one address (the ClusterIP
 * mistake, said once, since a one-pod Service is legitimate) and a port every backend refuses (the Service port used
 * instead of the container port).
 */
@ExtendWith(OutputCaptureExtension.class)
class DiagnosticsTests {

	private static final String ONE_ADDRESS = "one address";

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(2);

	private final DnsResponder dns = new DnsResponder();

	@AfterEach
	void stopDns() {
		this.dns.close();
	}

	@Test
	void whenAServiceNameResolvesToOneAddressThenTheClientSaysOnceHowToMakeItHeadless(CapturedOutput output) {
		int port = this.backendsExtension.get().port();
		this.dns.setAddresses("orders.shop.svc.cluster.local", List.of("127.0.0.2"));
		this.dns.setAddresses("payments.shop.svc.cluster.local", List.of("127.0.0.2", "127.0.0.3"));
		TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withBean(PaymentsUser.class)
			.withPropertyValues(
					"grpc.lb.clients.orders.target=dns://" + this.dns.address() + "/orders.shop.svc.cluster.local:" + port,
					"grpc.lb.clients.payments.target=dns://" + this.dns.address() + "/payments.shop.svc.cluster.local:"
							+ port,
					"grpc.lb.defaults.resolver.refresh-interval=200ms",
					"grpc.lb.defaults.resolver.min-refresh-interval=100ms")
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context
					.getBean(DistributionTests.ConstructorInjected.class).stub;
				stub.echo(EchoRequest.newBuilder().setMessage("x").build());
				context.getBean(PaymentsUser.class).stub.echo(EchoRequest.newBuilder().setMessage("x").build());
				// Several refreshes, each with the same single address.
				int before = this.dns.queries();
				await().atMost(Duration.ofSeconds(10)).until(() -> this.dns.queries() >= before + 10);
				assertThat(output.getOut().split(ONE_ADDRESS, -1)).as("one warning, for orders only").hasSize(2);
				assertThat(output).contains("gRPC client 'orders': target dns://")
					.contains("(127.0.0.2:" + port + ")")
					.contains("clusterIP: None")
					.doesNotContain("gRPC client 'payments': target");
			});
	}

	@Test
	void whenEveryBackendRefusesTheConnectionThenTheClientAsksWhetherThePortIsTheServicePort(CapturedOutput output) {
		int closed = Backends.freePort();
		TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=static:///127.0.0.2:" + closed + ",127.0.0.3:" + closed)
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context
					.getBean(DistributionTests.ConstructorInjected.class).stub;
				assertThat(catchThrowable(() -> stub.echo(EchoRequest.newBuilder().setMessage("x").build())))
					.hasMessageContaining("UNAVAILABLE");
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(output).contains("gRPC client 'orders': every backend of")
						.contains("'targetPort'"));
				ClientView.Snapshot view = context.getBean(BalancerViews.class).view("orders").snapshot();
				assertThat(view.backends()).allSatisfy(
						(backend) -> assertThat(backend.stateDetail()).contains("Connection refused"));
				// Reconnect attempts keep failing the same way: still said once.
				Thread.sleep(2500);
				assertThat(output.getOut().split("refuses connections", -1)).hasSize(2);
			});
	}

	@Test
	void whenBackendsThatServedAllGoAwayThenThereIsNoAdviceAboutThePort(CapturedOutput output) throws Exception {
		TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=static:///127.0.0.2:" + this.backendsExtension.get().port()
					+ ",127.0.0.3:" + this.backendsExtension.get().port())
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context
					.getBean(DistributionTests.ConstructorInjected.class).stub;
				DistributionTests.warmUp(stub, this.backendsExtension.get());
				// An outage, or (as at shutdown) the servers stopping before this application: refused, but the port is
				// right, since it worked.
				this.backendsExtension.get().all().forEach(Backends.Backend::kill);
				ClientView view = context.getBean(BalancerViews.class).view("orders");
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(view.snapshot().backends()).allSatisfy(
							(backend) -> assertThat(backend.stateDetail()).contains("Connection refused")));
				Thread.sleep(1500);
				assertThat(output).doesNotContain("refuses connections");
			});
	}

	static class PaymentsUser {

		@GrpcLbClient("payments")
		EchoServiceGrpc.EchoServiceBlockingStub stub;

	}

}
