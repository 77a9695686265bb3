package io.github.grpclb.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The fault harness does what the fault scenarios rely on, checked with a plain grpc-java channel.
 */
class BackendsTests {

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(1);

	private final List<ManagedChannel> channels = new ArrayList<>();

	@AfterEach
	void closeChannels() {
		this.channels.forEach(ManagedChannel::shutdownNow);
	}

	private Backends.Backend backend() {
		return this.backendsExtension.get().all().get(0);
	}

	private ManagedChannel channel() {
		ManagedChannel channel = NettyChannelBuilder.forTarget(backend().address()).usePlaintext().build();
		this.channels.add(channel);
		return channel;
	}

	private static EchoRequest request() {
		return EchoRequest.newBuilder().setMessage("hi").build();
	}

	@Test
	void healthServiceReportsServingUntilToldOtherwiseAndCanBeTakenAway() {
		HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel());
		HealthCheckRequest whole = HealthCheckRequest.newBuilder().setService("").build();
		assertThat(health.check(whole).getStatus()).isEqualTo(ServingStatus.SERVING);
		backend().serving(false);
		assertThat(health.check(whole).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
		backend().serving(true);
		assertThat(health.check(whole).getStatus()).isEqualTo(ServingStatus.SERVING);
		backend().healthService(false);
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> health.check(whole))
			.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
		assertThat(backend().healthChecks()).as("health calls that reached the service").isEqualTo(3);
	}

	@Test
	void someNotFoundModeFailsEverySecondCallAndEchoesTheOthers() {
		backend().mode(Backends.Mode.SOME_NOT_FOUND);
		EchoServiceGrpc.EchoServiceBlockingStub stub = EchoServiceGrpc.newBlockingStub(channel());
		List<Status.Code> codes = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			try {
				stub.echo(request());
				codes.add(Status.Code.OK);
			}
			catch (StatusRuntimeException ex) {
				codes.add(ex.getStatus().getCode());
			}
		}
		assertThat(codes).containsExactly(Status.Code.OK, Status.Code.NOT_FOUND, Status.Code.OK, Status.Code.NOT_FOUND,
				Status.Code.OK, Status.Code.NOT_FOUND);
		assertThat(backend().calls()).isEqualTo(3);
		assertThat(backend().received()).isEqualTo(6);
	}

	@Test
	void killEndsCallsInFlightAtOnceWithoutGoAwayAndRestartServesOnTheSameAddress() throws Exception {
		backend().mode(Backends.Mode.HANG);
		EchoServiceGrpc.EchoServiceStub async = EchoServiceGrpc.newStub(channel());
		CountDownLatch arrived = backend().expectCalls(1);
		CountDownLatch ended = new CountDownLatch(1);
		Status[] status = new Status[1];
		async.withDeadlineAfter(30, TimeUnit.SECONDS).echo(request(), new StreamObserver<>() {
			@Override
			public void onNext(EchoReply value) {
			}

			@Override
			public void onError(Throwable t) {
				status[0] = Status.fromThrowable(t);
				ended.countDown();
			}

			@Override
			public void onCompleted() {
				ended.countDown();
			}
		});
		assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();
		long start = System.nanoTime();
		backend().kill();
		assertThat(ended.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
		assertThat(status[0].getCode()).isEqualTo(Status.Code.UNAVAILABLE);
		// No GOAWAY: grpc-java names a GOAWAY in the description when it got one.
		assertThat(String.valueOf(status[0].getDescription())).doesNotContainIgnoringCase("goaway");
		assertThat(backend().running()).isFalse();

		EchoServiceGrpc.EchoServiceBlockingStub fresh = EchoServiceGrpc.newBlockingStub(channel());
		assertThatExceptionOfType(StatusRuntimeException.class)
			.isThrownBy(() -> fresh.withDeadlineAfter(2, TimeUnit.SECONDS).echo(request()))
			.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

		backend().mode(Backends.Mode.ECHO);
		backend().restart();
		assertThat(backend().running()).isTrue();
		EchoServiceGrpc.EchoServiceBlockingStub again = EchoServiceGrpc.newBlockingStub(channel());
		assertThat(again.withDeadlineAfter(5, TimeUnit.SECONDS).echo(request()).getServedBy())
			.isEqualTo(backend().address());
		assertThat(backend().connections()).as("connections accepted before and after the restart").isEqualTo(2);
	}

	@Test
	void stoppedGracefullyThenRestarted() {
		EchoServiceGrpc.EchoServiceBlockingStub stub = EchoServiceGrpc.newBlockingStub(channel());
		stub.echo(request());
		backend().stopGracefully();
		backend().restart();
		assertThat(stub.withDeadlineAfter(5, TimeUnit.SECONDS).withWaitForReady().echo(request()).getServedBy())
			.isEqualTo(backend().address());
	}

}
