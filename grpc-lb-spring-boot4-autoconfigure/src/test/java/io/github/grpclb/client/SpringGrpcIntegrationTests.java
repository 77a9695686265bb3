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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.grpc.client.GlobalClientInterceptor;
import org.springframework.grpc.client.ImportGrpcClients;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring gRPC's global client interceptors reach the starter's channels, in their order; the stub beans of
 * {@code @ImportGrpcClients} get the starter's settings. (The starter's settings on Spring gRPC's channels in general:
 * {@link IntegrationChannelsTests}.)
 */
class SpringGrpcIntegrationTests {

	private static final Metadata.Key<String> TEST_HEADER = Metadata.Key.of("x-test-global",
			Metadata.ASCII_STRING_MARSHALLER);

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5);

	private Backends backends() {
		return this.backendsExtension.get();
	}

	@Test
	void globalInterceptorsOfSpringGrpcApplyToGrpcLbClientsInTheirOrderAndOthersDoNot() {
		TestContexts.runner()
			.withUserConfiguration(Interceptors.class)
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=" + Backends.HOST + ":" + backends().port())
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
				String servedBy = stub.echo(EchoRequest.newBuilder().setMessage("hi").build()).getServedBy();
				Backends.Backend backend = backends().byAddress().get(servedBy);
				// Both global interceptors ran, the one of order 1 first (it sees the call first and sets the header
				// before the one of order 2 appends to it); the interceptor without the annotation did not.
				assertThat(backend.lastHeader(TEST_HEADER.name())).isEqualTo("first,second");
			});
	}

	@Test
	void stubBeansOfImportGrpcClientsGetTheStartersPolicyAndResolver() {
		TestContexts.runner()
			.withUserConfiguration(ImportedStubs.class)
			.withPropertyValues("spring.grpc.client.channel.orders.target=dns:///" + Backends.HOST + ":" + backends().port(),
					TestContexts.integrationPolicy("orders", "pick_first"))
			.run((context) -> {
				EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(EchoServiceGrpc.EchoServiceBlockingStub.class);
				for (int i = 0; i < 200; i++) {
					stub.echo(EchoRequest.newBuilder().setMessage("imported").build());
				}
				assertThat(backends().callCounts()).as("round_robin from grpc.lb.defaults, not the pick_first asked for")
					.allSatisfy((address, count) -> assertThat(count).as(address).isPositive());
				assertThat(context.getBean(io.github.grpclb.channel.BalancerViews.class).view("orders"))
					.as("the channel is observed under its name").isNotNull();
			});
	}

	@Configuration(proxyBeanMethods = false)
	@ImportGrpcClients(target = "orders", types = EchoServiceGrpc.EchoServiceBlockingStub.class)
	static class ImportedStubs {

	}

	@Configuration(proxyBeanMethods = false)
	static class Interceptors {

		@Bean
		@GlobalClientInterceptor
		@Order(2)
		ClientInterceptor second() {
			return new HeaderInterceptor("second");
		}

		@Bean
		@GlobalClientInterceptor
		@Order(1)
		ClientInterceptor first() {
			return new HeaderInterceptor("first");
		}

		@Bean
		ClientInterceptor notGlobal() {
			return new HeaderInterceptor("not-global");
		}

	}

	/** Appends its value to the test header. */
	static final class HeaderInterceptor implements ClientInterceptor {

		private final String value;

		HeaderInterceptor(String value) {
			this.value = value;
		}

		@Override
		public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
				CallOptions callOptions, Channel next) {
			return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
				@Override
				public void start(Listener<RespT> listener, Metadata headers) {
					String before = headers.get(TEST_HEADER);
					headers.removeAll(TEST_HEADER);
					headers.put(TEST_HEADER, (before != null) ? before + "," + HeaderInterceptor.this.value
							: HeaderInterceptor.this.value);
					super.start(listener, headers);
				}
			};
		}

	}

}
