package io.github.grpclb.channel;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.google.common.util.concurrent.ListenableFuture;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A policy whose stream tracer throws — what grpc-java 1.85's outlier detection does when an address update races
 * with a call — leaves the call hanging past its deadline; under {@link GuardedTracers} the call completes. Real
 * channel, real server; the throwing policy stands in for the race, which cannot be produced on demand.
 */
class GuardedTracersTests {

	private static final ThrowingTracerProvider THROWING = new ThrowingTracerProvider();

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(1);

	@BeforeAll
	static void register() {
		LoadBalancerRegistry.getDefaultRegistry().register(THROWING);
	}

	@AfterAll
	static void deregister() {
		LoadBalancerRegistry.getDefaultRegistry().deregister(THROWING);
	}

	@Test
	void whenAPolicysTracerThrowsThenTheGuardedCallStillCompletes() throws Exception {
		ManagedChannel channel = channel(true);
		try {
			EchoReply reply = EchoServiceGrpc.newBlockingStub(channel)
				.withDeadlineAfter(2, TimeUnit.SECONDS)
				.echo(EchoRequest.newBuilder().setMessage("guarded").build());
			assertThat(reply.getMessage()).isEqualTo("guarded");
			assertThat(THROWING.thrown).as("the policy's tracer did throw").isPositive();
		}
		finally {
			channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
	}

	@Test
	void withoutTheGuardTheSameCallNeverCompletesNotEvenAtItsDeadline() throws Exception {
		ManagedChannel channel = channel(false);
		try {
			ListenableFuture<EchoReply> reply = EchoServiceGrpc.newFutureStub(channel)
				.withDeadlineAfter(1, TimeUnit.SECONDS)
				.echo(EchoRequest.newBuilder().setMessage("unguarded").build());
			assertThatExceptionOfType(TimeoutException.class).as("still running 4 s after a 1 s deadline")
				.isThrownBy(() -> reply.get(5, TimeUnit.SECONDS));
		}
		catch (AssertionError | RuntimeException ex) {
			throw ex;
		}
		finally {
			channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
	}

	private ManagedChannel channel(boolean guard) {
		Map<String, Object> throwing = Map.of(ThrowingTracerProvider.POLICY,
				Map.of("childPolicy", List.of(Map.of("round_robin", Map.of()))));
		Map<String, Object> config = Map.of("loadBalancingConfig",
				List.of(ObservingLoadBalancerProvider.around(null, guard, throwing)));
		return NettyChannelBuilder.forTarget(Backends.HOST + ":" + this.backendsExtension.get().port())
			.usePlaintext()
			.defaultServiceConfig(config)
			.build();
	}

	/** A parent policy whose picks carry a stream tracer that throws when the stream closes. */
	static final class ThrowingTracerProvider extends ParentPolicyProvider {

		static final String POLICY = "test_throwing_tracer";

		volatile int thrown;

		ThrowingTracerProvider() {
			super(POLICY);
		}

		@Override
		public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
			return new ParentLoadBalancer(helper) {
				@Override
				LoadBalancer.SubchannelPicker picker(ConnectivityState state, LoadBalancer.SubchannelPicker picker) {
					return new LoadBalancer.SubchannelPicker() {
						@Override
						public LoadBalancer.PickResult pickSubchannel(LoadBalancer.PickSubchannelArgs args) {
							LoadBalancer.PickResult result = picker.pickSubchannel(args);
							return (result.getSubchannel() == null) ? result
									: result.copyWithStreamTracerFactory(new ClientStreamTracer.Factory() {
										@Override
										public ClientStreamTracer newClientStreamTracer(
												ClientStreamTracer.StreamInfo info, Metadata headers) {
											return new ClientStreamTracer() {
												@Override
												public void streamClosed(Status status) {
													ThrowingTracerProvider.this.thrown++;
													throw new NullPointerException("tracker is null");
												}
											};
										}
									});
						}
					};
				}
			};
		}

	}

}
