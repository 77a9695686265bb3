package io.github.grpclb.client;

import java.util.stream.Collectors;

import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.channel.StaticAddressesNameResolverProvider;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@code static:///a:port,b:port}: a fixed backend list, no DNS server needed, balanced like a headless Service.
 */
class StaticTargetTests {

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5);

	private Backends backends() {
		return this.backendsExtension.get();
	}

	private String staticTarget() {
		return "static:///" + backends().all()
			.stream()
			.map(Backends.Backend::address)
			.collect(Collectors.joining(","));
	}

	private ApplicationContextRunner runner(String target) {
		return TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=" + target);
	}

	@Test
	void whenTheTargetListsFiveAddressesThenCallsSpreadEvenlyOverOneConnectionEach() {
		runner(staticTarget()).run((context) -> {
			assertThat(context).hasNotFailed();
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			DistributionTests.warmUp(stub, backends());
			backends().resetCallCounts();

			for (int i = 0; i < 500; i++) {
				stub.echo(EchoRequest.newBuilder().setMessage("call-" + i).build());
			}

			assertThat(backends().callCounts()).hasSize(5)
				.allSatisfy((address, calls) -> assertThat(calls).as("calls served by %s", address).isEqualTo(100));
			assertThat(backends().connectionCounts())
				.allSatisfy((address, connections) -> assertThat(connections).as("connections to %s", address)
					.isEqualTo(1));
		});
	}

	@Test
	void whenAnEntryIsAHostNameThenItStandsForEveryAddressItResolvesTo() {
		// backends.test resolves to 127.0.0.2..6 through the test hosts file.
		runner("static:///" + Backends.HOST + ":" + backends().port()).run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			DistributionTests.warmUp(stub, backends());
			assertThat(backends().connectionCounts()).hasSize(5).allSatisfy((address, connections) ->
					assertThat(connections).as("connections to %s", address).isEqualTo(1));
		});
	}

	@Test
	void whenPoolingIsDisabledThenAStaticTargetDialsOneListedBackendPerCall() {
		runner(staticTarget()).withPropertyValues("grpc.lb.pooling.enabled=false").run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			for (int i = 0; i < 200; i++) {
				stub.echo(EchoRequest.newBuilder().setMessage("call-" + i).build());
			}
			assertThat(backends().connectionCounts().values().stream().mapToInt(Integer::intValue).sum())
				.as("one connection per call")
				.isEqualTo(200);
			assertThat(backends().connectionCounts()).hasSize(5).allSatisfy((address, connections) ->
					assertThat(connections).as("connections to %s (shuffled, ~40 expected)", address).isPositive());
			// Observation interceptors parse the authority as one host:port, as the pooled channel reports it.
			assertThat(context.getBean(GrpcLbChannelRegistry.class).channel("orders").authority())
				.isEqualTo(backends().all().get(0).address());
		});
	}

	@Test
	void whenNoListedHostResolvesThenCallsFailUnavailableNamingTheEntries() {
		runner("static:///no-such-host.invalid:" + backends().port()).run((context) -> {
			assertThat(context).hasNotFailed();
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			assertThatExceptionOfType(StatusRuntimeException.class)
				.isThrownBy(() -> stub.echo(EchoRequest.newBuilder().setMessage("x").build()))
				.satisfies((ex) -> {
					assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
					assertThat(ex.getStatus().getDescription()).contains("no-such-host.invalid");
				});
		});
	}

	@Test
	void theStaticSchemeIsNotInstalledJvmWide() {
		runner(staticTarget()).run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			stub.echo(EchoRequest.newBuilder().setMessage("x").build());
			// net.devh (Boot 3.5) registers a "static" provider of its own; on Boot 4 there is none at all.
			NameResolverProvider jvmWide = NameResolverRegistry.getDefaultRegistry().getProviderForScheme("static");
			assertThat(jvmWide == null || !(jvmWide instanceof StaticAddressesNameResolverProvider))
				.as("JVM-wide provider for static: %s", jvmWide)
				.isTrue();
		});
	}

}
