package io.github.grpclb.metrics;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backend series of {@code grpc.lb.calls} against real servers: a backend the resolver dropped keeps its series
 * until its last call completes, and the cap puts further backends under "other".
 */
class CallMetricsInterceptorTests {

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(3, Backends.Mode.HANG);

	private final MeterRegistry meters = new SimpleMeterRegistry();

	@Test
	void aDroppedBackendKeepsItsSeriesUntilItsLastCallCompletesThenLosesIt() throws Exception {
		Backends.Backend backend = this.backendsExtension.get().all().get(0);
		CallMetricsInterceptor interceptor = new CallMetricsInterceptor(this.meters, "orders");
		ManagedChannel channel = NettyChannelBuilder.forTarget(backend.address()).usePlaintext().build();
		try {
			EchoServiceGrpc.EchoServiceFutureStub stub = EchoServiceGrpc
				.newFutureStub(ClientInterceptors.intercept(channel, interceptor));
			backend.mode(Backends.Mode.ECHO);
			stub.echo(EchoRequest.newBuilder().setMessage("done").build()).get(10, TimeUnit.SECONDS);
			backend.mode(Backends.Mode.HANG);
			var arrived = backend.expectCalls(1);
			var inFlight = stub.echo(EchoRequest.newBuilder().setMessage("in flight").build());
			assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
			interceptor.retainBackends(List.of(new InetSocketAddress("127.0.0.9", 1)));
			assertThat(series()).as("a call is still in flight on it").containsExactly(backend.address());
			backend.releaseHanging();
			EchoReply reply = inFlight.get(10, TimeUnit.SECONDS);
			assertThat(reply.getMessage()).isEqualTo("in flight");
			assertThat(series()).as("gone after its last call").isEmpty();
			assertThat(this.meters.getMeters()).isEmpty();
		}
		finally {
			channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
	}

	@Test
	void beyondTheCapFurtherBackendsAreRecordedAsOther() throws Exception {
		CallMetricsInterceptor interceptor = new CallMetricsInterceptor(this.meters, "orders", 2);
		for (Backends.Backend backend : this.backendsExtension.get().all()) {
			backend.mode(Backends.Mode.ECHO);
			ManagedChannel channel = NettyChannelBuilder.forTarget(backend.address()).usePlaintext().build();
			try {
				EchoServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel, interceptor))
					.echo(EchoRequest.newBuilder().setMessage("x").build());
			}
			finally {
				channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
			}
		}
		List<Backends.Backend> all = this.backendsExtension.get().all();
		assertThat(series()).containsExactlyInAnyOrder(all.get(0).address(), all.get(1).address(),
				GrpcLbMeters.OTHER_BACKEND);
	}

	private Set<String> series() {
		return this.meters.find(GrpcLbMeters.CALLS)
			.timers()
			.stream()
			.map((timer) -> timer.getId().getTag(GrpcLbMeters.TAG_BACKEND))
			.collect(Collectors.toSet());
	}

}
