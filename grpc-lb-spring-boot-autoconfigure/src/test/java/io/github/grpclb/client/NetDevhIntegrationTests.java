package io.github.grpclb.client;

import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import net.devh.boot.grpc.client.channelfactory.GrpcChannelConfigurer;
import net.devh.boot.grpc.client.inject.GrpcClient;
import net.devh.boot.grpc.client.interceptor.GlobalClientInterceptorConfigurer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter builds on net.devh both ways: net.devh's configurers and global interceptors reach our channels,
 * and our load-balancing settings reach the channels of net.devh's own {@code @GrpcClient}.
 */
class NetDevhIntegrationTests {

	private static final Metadata.Key<String> TEST_HEADER = Metadata.Key.of("x-test-global",
			Metadata.ASCII_STRING_MARSHALLER);

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5);

	private Backends backends() {
		return this.backendsExtension.get();
	}

	@Test
	void whenNetDevhConfigurersAndGlobalInterceptorsExistThenTheyApplyToGrpcLbClients() {
		TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withBean("userAgentConfigurer", GrpcChannelConfigurer.class,
					() -> (builder, name) -> builder.userAgent("configured-for-" + name))
			.withBean(GlobalClientInterceptorConfigurer.class,
					() -> (interceptors) -> interceptors.add(new HeaderInterceptor()))
			.withPropertyValues("grpc.lb.clients.orders.target=" + Backends.HOST + ":" + backends().port())
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				String servedBy = stub.echo(EchoRequest.newBuilder().setMessage("hi").build()).getServedBy();
				Backends.Backend backend = backends().byAddress().get(servedBy);
				assertThat(backend.userAgents()).anySatisfy((agent) -> assertThat(agent).startsWith("configured-for-orders"));
				assertThat(backend.lastHeader(TEST_HEADER.name())).isEqualTo("from-global-interceptor");
			});
	}

	@Test
	void whenANetDevhClientAsksForPickFirstThenTheStarterStillSpreadsItsCalls() {
		netDevhRunner().run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(NetDevhUser.class).stub;
			for (int i = 0; i < 200; i++) {
				stub.echo(EchoRequest.newBuilder().setMessage("call").build());
			}
			assertThat(backends().callCounts()).as("round_robin from grpc.lb.defaults")
				.allSatisfy((address, count) -> assertThat(count).as(address).isPositive());
		});
	}

	@Test
	void aNetDevhClientAlsoStopsCallingABackendThatReportsNotServing() {
		netDevhRunner().run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(NetDevhUser.class).stub;
			org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> {
				stub.echo(EchoRequest.newBuilder().setMessage("warm").build());
				assertThat(backends().all()).allSatisfy((backend) -> assertThat(backend.calls()).isPositive());
			});
			Backends.Backend sick = backends().all().get(1);
			sick.serving(false);
			long switched = System.nanoTime();
			while (System.nanoTime() - switched < java.time.Duration.ofSeconds(2).toNanos()) {
				stub.echo(EchoRequest.newBuilder().setMessage("during").build());
			}
			int before = sick.calls();
			for (int i = 0; i < 200; i++) {
				stub.echo(EchoRequest.newBuilder().setMessage("after").build());
			}
			assertThat(sick.calls() - before).as("calls of net.devh's channel to the NOT_SERVING backend").isZero();
		});
	}

	@Test
	void whenTheNetDevhIntegrationIsOffThenNetDevhKeepsItsOwnPolicy() {
		netDevhRunner().withPropertyValues("grpc.lb.net-devh.enabled=false").run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(NetDevhUser.class).stub;
			for (int i = 0; i < 200; i++) {
				stub.echo(EchoRequest.newBuilder().setMessage("call").build());
			}
			assertThat(backends().callCounts().values()).as("pick_first: one backend takes everything")
				.containsOnlyOnce(200)
				.filteredOn((count) -> count == 0)
				.hasSize(4);
		});
	}

	private org.springframework.boot.test.context.runner.ApplicationContextRunner netDevhRunner() {
		return TestContexts.runner()
			.withBean(NetDevhUser.class)
			.withPropertyValues("grpc.client.orders.address=dns:///" + Backends.HOST + ":" + backends().port(),
					"grpc.client.orders.negotiation-type=plaintext",
					"grpc.client.orders.default-load-balancing-policy=pick_first");
	}

	static class NetDevhUser {

		@GrpcClient("orders")
		EchoServiceGrpc.EchoServiceBlockingStub stub;

	}

	static final class HeaderInterceptor implements ClientInterceptor {

		@Override
		public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
				CallOptions callOptions, Channel next) {
			return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
				@Override
				public void start(Listener<RespT> responseListener, Metadata headers) {
					headers.put(TEST_HEADER, "from-global-interceptor");
					super.start(responseListener, headers);
				}
			};
		}

	}

}
