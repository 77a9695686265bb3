package io.github.grpclb.channel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.google.common.util.concurrent.ListenableFuture;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.proto.EchoReply;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Closing a registry: calls being drained still finish, late channel requests fail fast, and dial-per-request calls
 * started around close all end within the shutdown budget. (Closing through the Spring context: ShutdownTests.)
 */
class RegistryCloseTests {

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5, Backends.Mode.HANG);

	private Backends backends() {
		return this.backendsExtension.get();
	}

	@Test
	void whenAClientAsksForItsChannelDuringCloseThenItFailsFastAndTheCallsBeingDrainedStillFinish() throws Exception {
		ChannelSettings settings = PooledChannelRegistryTests
			.settingsFor("dns:///127.0.0.2:" + backends().port());
		PooledChannelRegistry registry = new PooledChannelRegistry((client) -> settings,
				new GrpcLbChannelFactory(List.of()), Duration.ofSeconds(20));
		Backends.Backend backend = backends().all().get(0);
		CountDownLatch arrived = backend.expectCalls(1);
		io.grpc.ManagedChannel channel = registry.channel("orders");
		ListenableFuture<EchoReply> inFlight = EchoServiceGrpc.newFutureStub(channel)
			.echo(EchoRequest.newBuilder().setMessage("drained").build());
		assertThat(arrived.await(10, TimeUnit.SECONDS)).as("call reached its backend").isTrue();
		Thread closer = new Thread(registry::close, "closer");
		closer.start();
		org.awaitility.Awaitility.await().until(channel::isShutdown);
		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> registry.channel("orders"))
			.withMessageContaining("'orders'")
			.withMessageContaining("closed");
		assertThat(backend.releaseHanging()).isEqualTo(1);
		assertThat(inFlight.get(10, TimeUnit.SECONDS).getMessage()).as("the call close() was waiting for")
			.isEqualTo("drained");
		closer.join(10_000);
		assertThat(closer.isAlive()).as("close returned once the call finished").isFalse();
	}

	@Test
	void whenCallsKeepStartingWhileTheDialRegistryClosesThenNoneOutlivesTheShutdownBudget() throws Exception {
		ChannelSettings settings = PooledChannelRegistryTests.settingsFor("dns:///127.0.0.2:" + backends().port());
		DialPerRequestChannelRegistry registry = new DialPerRequestChannelRegistry((client) -> settings,
				new GrpcLbChannelFactory(List.of()), DialListener.NONE, Duration.ofMillis(300));
		io.grpc.ManagedChannel channel = registry.channel("orders");
		List<ListenableFuture<EchoReply>> calls = java.util.Collections.synchronizedList(new ArrayList<>());
		java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
		List<Thread> callers = new ArrayList<>();
		for (int t = 0; t < 6; t++) {
			Thread caller = new Thread(() -> {
				EchoServiceGrpc.EchoServiceFutureStub stub = EchoServiceGrpc.newFutureStub(channel);
				// Keep starting calls (on backends that never answer) until well after close began.
				while (!Thread.currentThread().isInterrupted()) {
					calls.add(stub.echo(EchoRequest.newBuilder().setMessage("racing").build()));
					if (closing.get() && calls.size() > 2000) {
						return;
					}
				}
			}, "caller-" + t);
			callers.add(caller);
			caller.start();
		}
		org.awaitility.Awaitility.await().until(() -> registry.openChannels() >= 20);
		closing.set(true);
		long start = System.nanoTime();
		registry.close();
		Duration closeTime = Duration.ofNanos(System.nanoTime() - start);
		for (Thread caller : callers) {
			caller.join(10_000);
		}
		List<ListenableFuture<EchoReply>> started = List.copyOf(calls);
		// Every call started before, during or after close has ended: none kept a connection past the budget.
		org.awaitility.Awaitility.await()
			.atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(started).allSatisfy((call) -> assertThat(call.isDone()).isTrue()));
		System.out.printf("dial-per-request close under load: %d calls started, close took %d ms%n", started.size(),
				closeTime.toMillis());
		assertThat(closeTime).isLessThan(Duration.ofSeconds(2));
		assertThat(registry.openChannels()).isZero();
	}

}
