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
import net.devh.boot.grpc.client.interceptor.GlobalClientInterceptorConfigurer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * net.devh's configurers and global interceptors reach the starter's channels. (The other way, the starter's
 * settings on net.devh's own {@code @GrpcClient} channels: {@link IntegrationChannelsTests}.)
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
