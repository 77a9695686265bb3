package io.github.grpclb.client;

import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import net.devh.boot.grpc.client.channelfactory.GrpcChannelConfigurer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Name-keyed channel configuration stays with its client: a net.devh {@link GrpcChannelConfigurer} that gives one
 * client a credential must never put it on another client's calls, even when both have the same target and settings.
 */
class ChannelConfigurationScopeTests {

	private static final Metadata.Key<String> CREDENTIAL = Metadata.Key.of("x-credential",
			Metadata.ASCII_STRING_MARSHALLER);

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(1);

	@Test
	void aCredentialConfiguredForOneClientNeverReachesTheCallsOfAnotherWithTheSameTarget() {
		Backends.Backend backend = this.backendsExtension.get().all().get(0);
		GrpcChannelConfigurer credentialPerClient = (builder, name) -> {
			Metadata headers = new Metadata();
			headers.put(CREDENTIAL, name + "-token");
			ClientInterceptor attach = MetadataUtils.newAttachHeadersInterceptor(headers);
			builder.intercept(attach);
		};
		TestContexts.runner()
			.withBean(GrpcChannelConfigurer.class, () -> credentialPerClient)
			.withBean(TwoClients.class)
			.withPropertyValues("grpc.lb.clients.admin.target=" + backend.address(),
					"grpc.lb.clients.orders.target=" + backend.address())
			.run((context) -> {
				TwoClients clients = context.getBean(TwoClients.class);
				clients.admin.echo(EchoRequest.newBuilder().setMessage("admin").build());
				assertThat(backend.lastHeader(CREDENTIAL.name())).isEqualTo("admin-token");
				clients.orders.echo(EchoRequest.newBuilder().setMessage("orders").build());
				assertThat(backend.lastHeader(CREDENTIAL.name())).as("credential on a call of client 'orders'")
					.isEqualTo("orders-token");
			});
	}

	static class TwoClients {

		@GrpcLbClient("admin")
		EchoServiceGrpc.EchoServiceBlockingStub admin;

		@GrpcLbClient("orders")
		EchoServiceGrpc.EchoServiceBlockingStub orders;

	}

}
