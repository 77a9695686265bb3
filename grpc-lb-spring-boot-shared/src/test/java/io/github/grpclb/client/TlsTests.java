package io.github.grpclb.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.github.grpclb.test.TestContexts;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@code negotiation: tls} against a real TLS server (grpc-java's test certificates, issued for
 * *.test.google.fr), with and without client certificates.
 */
class TlsTests {

	private Server server;

	@AfterEach
	void stopServer() throws InterruptedException {
		if (this.server != null) {
			this.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
	}

	private int startServer(TlsServerCredentials.ClientAuth clientAuth) throws IOException {
		TlsServerCredentials.Builder credentials = TlsServerCredentials.newBuilder()
			.keyManager(cert("server1.pem"), cert("server1.key"))
			.clientAuth(clientAuth);
		if (clientAuth != TlsServerCredentials.ClientAuth.NONE) {
			credentials.trustManager(cert("ca.pem"));
		}
		this.server = NettyServerBuilder
			.forAddress(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0), credentials.build())
			.addService(new EchoServiceGrpc.EchoServiceImplBase() {
				@Override
				public void echo(EchoRequest request, StreamObserver<EchoReply> responseObserver) {
					responseObserver.onNext(EchoReply.newBuilder().setMessage(request.getMessage()).build());
					responseObserver.onCompleted();
				}
			})
			.build()
			.start();
		return this.server.getPort();
	}

	private static InputStream cert(String name) {
		return TlsTests.class.getResourceAsStream("/certs/" + name);
	}

	private ApplicationContextRunner runner(int port) {
		return TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=127.0.0.2:" + port,
					"grpc.lb.clients.orders.negotiation=tls",
					"grpc.lb.clients.orders.tls.trust-cert-collection=classpath:certs/ca.pem",
					"grpc.lb.clients.orders.tls.authority-override=foo.test.google.fr");
	}

	@Test
	void whenNegotiationIsTlsThenCallsGoOverTlsToATrustedServer() throws IOException {
		int port = startServer(TlsServerCredentials.ClientAuth.NONE);
		runner(port).run((context) -> assertThat(context.getBean(DistributionTests.ConstructorInjected.class).stub
			.echo(EchoRequest.newBuilder().setMessage("secret").build())
			.getMessage()).isEqualTo("secret"));
	}

	@Test
	void whenTheServerRequiresAClientCertificateThenMutualTlsWorksOnlyWithOne() throws IOException {
		int port = startServer(TlsServerCredentials.ClientAuth.REQUIRE);
		runner(port)
			.withPropertyValues("grpc.lb.clients.orders.tls.certificate-chain=classpath:certs/client.pem",
					"grpc.lb.clients.orders.tls.private-key=classpath:certs/client.key")
			.run((context) -> assertThat(context.getBean(DistributionTests.ConstructorInjected.class).stub
				.echo(EchoRequest.newBuilder().setMessage("mutual").build())
				.getMessage()).isEqualTo("mutual"));
		runner(port).run((context) -> assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> context.getBean(DistributionTests.ConstructorInjected.class).stub
				.withDeadlineAfter(5, TimeUnit.SECONDS)
				.echo(EchoRequest.getDefaultInstance()))
			.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE)));
	}

	@Test
	void whenThePlaintextClientMeetsATlsServerThenTheCallFails() throws IOException {
		int port = startServer(TlsServerCredentials.ClientAuth.NONE);
		TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=127.0.0.2:" + port)
			.run((context) -> assertThatExceptionOfType(StatusRuntimeException.class)
				.isThrownBy(() -> context.getBean(DistributionTests.ConstructorInjected.class).stub
					.withDeadlineAfter(5, TimeUnit.SECONDS)
					.echo(EchoRequest.getDefaultInstance())));
	}

}
