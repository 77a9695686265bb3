package io.github.grpclb.channel;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.google.common.util.concurrent.ListenableFuture;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A retry that finds no backend right after the channel lost its last one waits for one (up to the failover wait)
 * instead of failing at once: the case of a call whose attempt was cut when every old pod went away together.
 */
class RetryFailoverTests {

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(1, Backends.Mode.HANG);

	private final PooledChannelRegistry registry = new PooledChannelRegistry(
			(client) -> PooledChannelRegistryTests.settingsFor("dns:///127.0.0.2:" + this.backendsExtension.get().port()),
			new GrpcLbChannelFactory(List.of()), Duration.ofSeconds(1));

	@AfterEach
	void close() {
		this.registry.close();
	}

	@Test
	void whenACallsAttemptIsCutAndTheOnlyBackendIsBackWithinTheFailoverWaitThenItsRetrySucceeds() throws Exception {
		Backends.Backend backend = this.backendsExtension.get().all().get(0);
		ManagedChannel channel = this.registry.channel("orders");
		EchoServiceGrpc.EchoServiceFutureStub stub = EchoServiceGrpc.newFutureStub(channel);
		backend.mode(Backends.Mode.ECHO);
		stub.echo(EchoRequest.newBuilder().setMessage("warm").build()).get(10, TimeUnit.SECONDS);
		backend.mode(Backends.Mode.HANG);
		CountDownLatch arrived = backend.expectCalls(1);
		ListenableFuture<EchoReply> call = stub.withDeadlineAfter(20, TimeUnit.SECONDS)
			.echo(EchoRequest.newBuilder().setMessage("cut").build());
		assertThat(arrived.await(10, TimeUnit.SECONDS)).as("first attempt reached the backend").isTrue();
		// The pod goes away with the attempt in flight (its stream is reset: UNAVAILABLE, retryable); the retries
		// (3 attempts, 100 ms backoff) all come while nothing listens; the pod is back after 700 ms.
		backend.mode(Backends.Mode.ECHO);
		backend.kill();
		Thread.sleep(700);
		backend.restart();
		EchoReply reply = call.get(10, TimeUnit.SECONDS);
		assertThat(reply.getMessage()).isEqualTo("cut");
		assertThat(reply.getServedBy()).isEqualTo(backend.address());
	}

}
