package io.github.grpclb.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wiremock.grpc.GrpcExtensionFactory;
import org.wiremock.grpc.dsl.GrpcResponseDefinitionBuilder;
import org.wiremock.grpc.dsl.WireMockGrpc;
import org.wiremock.grpc.dsl.WireMockGrpcService;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A {@code @GrpcLbClient} stub against WireMock's gRPC extension: stubbed replies come through, and UNAVAILABLE
 * answers are retried as the retry policy says.
 */
class WireMockGrpcTests {

	private WireMockServer wireMock;

	private WireMockGrpcService echoService;

	@TempDir
	Path root;

	@BeforeEach
	void startWireMock() throws IOException {
		// The descriptor set of the test service comes in the test-support jar; WireMock reads it from a directory.
		Path descriptors = Files.createDirectories(this.root.resolve("grpc"));
		try (InputStream in = getClass().getResourceAsStream("/wiremock/grpc/services.dsc")) {
			Files.copy(in, descriptors.resolve("services.dsc"));
		}
		this.wireMock = new WireMockServer(wireMockConfig().dynamicPort()
			.bindAddress("127.0.0.1")
			.withRootDirectory(this.root.toString())
			.extensions(new GrpcExtensionFactory()));
		this.wireMock.start();
		this.echoService = new WireMockGrpcService(new WireMock(this.wireMock.port()),
				EchoServiceGrpc.SERVICE_NAME);
	}

	@AfterEach
	void stopWireMock() {
		this.wireMock.stop();
	}

	private ApplicationContextRunner runner() {
		return TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=127.0.0.1:" + this.wireMock.port(),
					"grpc.lb.clients.orders.retry.initial-backoff=10ms",
					"grpc.lb.clients.orders.retry.max-backoff=20ms");
	}

	@Test
	void whenWireMockStubsTheMethodThenTheInjectedStubReturnsTheStubbedMessage() {
		this.echoService.stubFor(WireMockGrpc.method("Echo")
			.willReturn(WireMockGrpc.message(EchoReply.newBuilder().setMessage("stubbed").setServedBy("wiremock"))));
		runner().run((context) -> {
			EchoReply reply = context.getBean(DistributionTests.ConstructorInjected.class).stub
				.echo(EchoRequest.newBuilder().setMessage("hello").build());
			assertThat(reply.getMessage()).isEqualTo("stubbed");
			assertThat(reply.getServedBy()).isEqualTo("wiremock");
		});
	}

	@Test
	void whenTheServerAnswersUnavailableThenTheCallIsAttemptedMaxAttemptsTimes() {
		this.echoService.stubFor(WireMockGrpc.method("Echo")
			.willReturn(new GrpcResponseDefinitionBuilder(WireMockGrpc.Status.UNAVAILABLE, "down for maintenance")));
		runner().withPropertyValues("grpc.lb.clients.orders.retry.max-attempts=4").run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			assertThatExceptionOfType(StatusRuntimeException.class)
				.isThrownBy(() -> stub.echo(EchoRequest.newBuilder().setMessage("hello").build()))
				.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
			assertThat(echoAttempts()).as("attempts WireMock saw").isEqualTo(4);
		});
	}

	@Test
	void whenRetryIsDisabledThenAnUnavailableAnswerIsNotRetried() {
		this.echoService.stubFor(WireMockGrpc.method("Echo")
			.willReturn(new GrpcResponseDefinitionBuilder(WireMockGrpc.Status.UNAVAILABLE, "down")));
		runner().withPropertyValues("grpc.lb.clients.orders.retry.enabled=false").run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			assertThatExceptionOfType(StatusRuntimeException.class)
				.isThrownBy(() -> stub.echo(EchoRequest.getDefaultInstance()));
			assertThat(echoAttempts()).isEqualTo(1);
		});
	}

	private int echoAttempts() {
		return this.wireMock.countRequestsMatching(WireMock
			.postRequestedFor(WireMock.urlPathEqualTo("/" + EchoServiceGrpc.SERVICE_NAME + "/Echo"))
			.build()).getCount();
	}

}
