package io.github.grpclb.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.Causes;
import io.github.grpclb.test.RecordingLoad;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import static io.github.grpclb.test.RecordingLoad.plus;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault suite (issue 9): five real grpc-java backends on 127.0.0.2..6 behind one host name, the starter with
 * its default settings (health checking, outlier detection every 5 s, retry budget; only the hung-pod scenario
 * sets a 1 s deadline), and {@value #THREADS} threads of unary calls while one pod, or the whole fleet, fails the
 * way pods fail. Each scenario prints its figures on one line ("FaultScenarioTests x) …"). Where an issue target
 * is not met yet, the scenario prints the figure instead of asserting it, and says so.
 */
class FaultScenarioTests {

	static final int THREADS = 8;

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5);

	private Backends backends() {
		return this.backendsExtension.get();
	}

	private ApplicationContextRunner runner(String... properties) {
		return TestContexts.runner()
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=" + Backends.HOST + ":" + backends().port())
			.withPropertyValues(properties);
	}

	private EchoServiceGrpc.EchoServiceBlockingStub warmStub(ApplicationContext context) {
		EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
		DistributionTests.warmUp(stub, backends());
		return stub;
	}

	private static void report(String scenario, String format, Object... args) {
		System.out.printf("FaultScenarioTests %s: %s%n", scenario, String.format(format, args));
	}

	/** @return "N ms" from one time to the other, or "never" when the later one did not happen */
	private static String millisBetween(long from, long to) {
		return (to < 0) ? "never" : ((to - from) / 1_000_000) + " ms";
	}

	private static double percent(double share) {
		return share * 100;
	}

	/**
	 * Issue 9's targets, all asserted: 0 failed calls over the whole fault (before the ejection a retry goes to a
	 * backend the call has not failed on: grpc_lb_retry_elsewhere; without it about one run in five lost a call whose
	 * 3 attempts all landed on the pod); from 10 s after the fault < 2 % of attempts reach the pod; back in rotation
	 * after it recovers.
	 */
	@Test
	void whenOnePodAnswersUnavailableThenItIsEjectedAndServesAgainOnceRecovered() {
		Backends.Backend bad = backends().all().get(2);
		runner().run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = warmStub(context);
			try (RecordingLoad load = RecordingLoad.start(stub, THREADS)) {
				Thread.sleep(1000);
				long fault = load.now();
				bad.mode(Backends.Mode.UNAVAILABLE);
				Thread.sleep(20_000);
				long recovered = load.now();
				bad.mode(Backends.Mode.ECHO);
				long back = load.awaitWindow(recovered, (w) -> w.successesOn(bad.address()) > 0, Duration.ofSeconds(45));
				long end = load.now();
				load.close();
				RecordingLoad.Window all = load.window(fault, end);
				RecordingLoad.Window first = load.window(fault, plus(fault, Duration.ofSeconds(10)));
				RecordingLoad.Window settled = load.window(plus(fault, Duration.ofSeconds(10)), recovered);
				report("a) one pod answers UNAVAILABLE for 20 s",
						"%d calls, %d failed, calls by attempts %s; its share of attempts: first 10 s %.2f %%, "
								+ "10-20 s after the fault %.2f %% (%d of %d, %d failed calls); last attempt on it %s "
								+ "after the fault; serving again %s after it recovered",
						all.calls(), all.failedCalls(), all.callsByAttempts(), percent(first.attemptShare(bad.address())),
						percent(settled.attemptShare(bad.address())), settled.attemptsTo(bad.address()),
						settled.attempts(), settled.failedCalls(),
						millisBetween(fault, first.lastAttemptTo(bad.address())),
						millisBetween(recovered, load.window(recovered, end).firstSuccessOn(bad.address())));
				assertThat(settled.attemptShare(bad.address())).as("share of attempts from 10 s after the fault")
					.isLessThan(0.02);
				assertThat(all.failedCalls()).as("failed calls over the whole fault (last: %s)", load.lastFailure())
					.isZero();
				assertThat(back).as("the recovered pod serves again (ejection ends after base-ejection-time)")
					.isPositive();
			}
		});
	}

	/**
	 * Issue 9's targets: from 10 s after the fault the pod gets < 2 % of attempts and no call fails (asserted); with
	 * hedging configured for the method no call fails at all (hedging is not built yet: the calls that fail before
	 * the ejection, DEADLINE_EXCEEDED, are printed).
	 */
	@Test
	void whenAPodHangsThenFromTenSecondsAfterItGetsAlmostNoAttemptAndNoCallFails() {
		Backends.Backend bad = backends().all().get(1);
		runner("grpc.lb.clients.orders.deadline=1s").run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = warmStub(context);
			// No deadline on the stub: the client's (1 s) applies only to calls without one.
			try (RecordingLoad load = RecordingLoad.start(stub, THREADS, null, Duration.ofMillis(2))) {
				Thread.sleep(1000);
				long fault = load.now();
				bad.mode(Backends.Mode.HANG);
				Thread.sleep(20_000);
				long recovered = load.now();
				load.close();
				bad.mode(Backends.Mode.ECHO);
				bad.releaseHanging();
				RecordingLoad.Window first = load.window(fault, plus(fault, Duration.ofSeconds(10)));
				RecordingLoad.Window settled = load.window(plus(fault, Duration.ofSeconds(10)), recovered);
				report("b) one pod hangs for 20 s, 1 s deadline",
						"first 10 s: %d calls, %d failed %s, its share of attempts %.2f %%, last attempt on it %s "
								+ "after the fault; 10-20 s after: %d calls, %d failed, its share %.2f %% (%d of %d)",
						first.calls(), first.failedCalls(), first.callsByStatus(), percent(first.attemptShare(bad.address())),
						millisBetween(fault, first.lastAttemptTo(bad.address())), settled.calls(), settled.failedCalls(),
						percent(settled.attemptShare(bad.address())), settled.attemptsTo(bad.address()),
						settled.attempts());
				assertThat(settled.attemptShare(bad.address())).as("share of attempts from 10 s after the fault")
					.isLessThan(0.02);
				assertThat(settled.failedCalls()).as("failed calls from 10 s after the fault (last: %s)",
						load.lastFailure()).isZero();
			}
		});
	}

	@Test
	void whenAPodReportsNotServingThenFromTwoSecondsAfterItGetsAlmostNoCallAndComesBackWhenServing() {
		Backends.Backend bad = backends().all().get(3);
		runner().run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = warmStub(context);
			try (RecordingLoad load = RecordingLoad.start(stub, THREADS)) {
				Thread.sleep(1000);
				long fault = load.now();
				bad.serving(false);
				Thread.sleep(7000);
				long recovered = load.now();
				bad.serving(true);
				long back = load.awaitWindow(recovered, (w) -> w.successesOn(bad.address()) > 0, Duration.ofSeconds(10));
				long end = load.now();
				load.close();
				RecordingLoad.Window all = load.window(fault, end);
				RecordingLoad.Window settled = load.window(plus(fault, Duration.ofSeconds(2)), recovered);
				report("c) one pod reports NOT_SERVING for 7 s",
						"%d calls, %d failed; last call on it %s after the fault; 2-7 s after: its share %.3f %% "
								+ "(%d of %d); serving again %s after it reported SERVING",
						all.calls(), all.failedCalls(),
						millisBetween(fault, load.window(fault, recovered).lastAttemptTo(bad.address())),
						percent(settled.attemptShare(bad.address())), settled.attemptsTo(bad.address()),
						settled.attempts(),
						millisBetween(recovered, load.window(recovered, end).firstSuccessOn(bad.address())));
				assertThat(settled.attemptShare(bad.address())).as("share of calls from 2 s after NOT_SERVING")
					.isLessThan(0.01);
				assertThat(all.failedCalls()).as("failed calls (last: %s)", load.lastFailure()).isZero();
				assertThat(back).as("serves again once SERVING").isPositive();
			}
		});
	}

	@Test
	void whenAPodHasNoHealthServiceThenItCountsAsHealthyAndGetsItsShare() {
		Backends.Backend without = backends().all().get(4);
		without.healthService(false);
		runner().run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = warmStub(context);
			try (RecordingLoad load = RecordingLoad.start(stub, THREADS)) {
				Thread.sleep(500);
				long from = load.now();
				Thread.sleep(4000);
				long to = load.now();
				load.close();
				RecordingLoad.Window window = load.window(from, to);
				report("d) one pod of 5 without grpc.health.v1", "%d calls, %d failed; attempts %s; health calls %s",
						window.calls(), window.failedCalls(), window.attemptsByBackend(),
						backends().all().stream().map(Backends.Backend::healthChecks).toList());
				assertThat(backends().all().subList(0, 4)).as("health checking is on")
					.allSatisfy((backend) -> assertThat(backend.healthChecks()).isPositive());
				assertThat(backends().all()).allSatisfy((backend) -> assertThat(window.attemptShare(backend.address()))
					.as("share of %s", backend)
					.isBetween(0.16, 0.24));
				assertThat(window.failedCalls()).isZero();
			}
		});
	}

	/**
	 * Issue 9's targets, all asserted: calls fail fast (UNAVAILABLE, well under the deadline), attempts per call
	 * ≤ 1.2 meanwhile, calls succeed again within about 2 s of a pod returning. The outage lasts 10 s instead of the
	 * issue's 30 s: the retry budget is spent after a handful of failures and the starter retries connecting every
	 * second, so a longer outage only repeats the same seconds. Printed, not asserted: the first 3 s, in which the
	 * starter's failover wait lets calls wait up to 2 s for a backend.
	 */
	@Test
	void whenTheWholeFleetIsDownThenCallsFailFastWithoutRetriesAndSucceedAgainWhenAPodReturns() {
		runner().run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = warmStub(context);
			try (RecordingLoad load = RecordingLoad.start(stub, THREADS)) {
				Thread.sleep(1000);
				long down = load.now();
				backends().all().forEach(Backends.Backend::kill);
				Thread.sleep(10_000);
				long up = load.now();
				backends().all().get(0).restart();
				long back = load.awaitWindow(up, (w) -> w.firstSuccessfulCallEnd() > 0, Duration.ofSeconds(30));
				load.close();
				// The starter lets calls wait up to 2 s for a backend right after the last connection is lost (a
				// blue/green switch); a fleet that stays down must fail fast after that.
				RecordingLoad.Window early = load.window(down, plus(down, Duration.ofSeconds(3)));
				RecordingLoad.Window outage = load.window(plus(down, Duration.ofSeconds(3)), up);
				report("e) whole fleet killed for 10 s, then one pod back",
						"first 3 s: %d calls %s, latency max %.0f ms; from 3 s after: %d calls %s, %.3f attempts/call, "
								+ "failed-call latency p50 %.1f ms p99 %.1f ms max %.1f ms (deadline 5 s); first "
								+ "successful call %s after the pod came back",
						early.calls(), early.callsByStatus(), early.latencyMillis(100, false), outage.calls(),
						outage.callsByStatus(), outage.attemptsPerCall(), outage.latencyMillis(50, true),
						outage.latencyMillis(99, true), outage.latencyMillis(100, true),
						millisBetween(up, back > 0 ? load.window(up, back + 1).firstSuccessfulCallEnd() : -1));
				assertThat(outage.callsByStatus().keySet()).as("outcomes during the outage")
					.isEqualTo(Set.of(Status.Code.UNAVAILABLE));
				assertThat(outage.latencyMillis(99, true)).as("p99 ms of a failed call, against a 5 s deadline")
					.isLessThan(500);
				assertThat(outage.attemptsPerCall()).as("attempts per call during the outage").isLessThanOrEqualTo(1.2);
				assertThat(back).as("calls succeed again").isPositive();
				assertThat(load.window(up, back + 1).firstSuccessfulCallEnd() - up)
					.as("nanoseconds from the pod's return to the first successful call")
					.isLessThan(Duration.ofSeconds(2).toNanos());
			}
		});
	}

	@Test
	void whenEveryPodFailsHalfItsCallsWithAnApplicationErrorThenNobodyIsEjected() {
		runner().run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = warmStub(context);
			try (RecordingLoad load = RecordingLoad.start(stub, THREADS)) {
				long start = load.now();
				backends().all().forEach((backend) -> backend.mode(Backends.Mode.SOME_NOT_FOUND));
				// Three outlier-detection intervals (5 s by default); an ejection would last 30 s.
				Thread.sleep(16_000);
				long end = load.now();
				load.close();
				RecordingLoad.Window all = load.window(plus(start, Duration.ofSeconds(1)), end);
				List<Double> shares = new ArrayList<>();
				for (long from = plus(start, Duration.ofSeconds(1)); from + 2_000_000_000L <= end; from += 2_000_000_000L) {
					RecordingLoad.Window slice = load.window(from, from + 2_000_000_000L);
					backends().all().forEach((backend) -> shares.add(slice.attemptShare(backend.address())));
				}
				double min = shares.stream().mapToDouble(Double::doubleValue).min().orElse(0);
				double max = shares.stream().mapToDouble(Double::doubleValue).max().orElse(0);
				report("f) every pod answers NOT_FOUND to every second call for 16 s",
						"%d calls %s, %.3f attempts/call; attempts %s; per-pod share in 2 s windows %.1f..%.1f %%",
						all.calls(), all.callsByStatus(), all.attemptsPerCall(), all.attemptsByBackend(), percent(min),
						percent(max));
				assertThat(shares).as("every pod's share of attempts, 2 s windows").allSatisfy(
						(share) -> assertThat(share).isBetween(0.16, 0.24));
			}
		});
	}

	/**
	 * Issue 9's target: with pooling off (rollback mode: one connection per call to one random pod), a pod answering
	 * UNAVAILABLE fails no call.
	 */
	@Test
	void whenPoolingIsOffAndOnePodAnswersUnavailableThenNoCallFails() {
		Backends.Backend bad = backends().all().get(0);
		bad.mode(Backends.Mode.UNAVAILABLE);
		runner("grpc.lb.pooling.enabled=false").run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = context.getBean(DistributionTests.ConstructorInjected.class).stub;
			try (RecordingLoad load = RecordingLoad.start(stub, THREADS)) {
				long start = load.now();
				Thread.sleep(5000);
				long end = load.now();
				load.close();
				RecordingLoad.Window all = load.window(start, end);
				report("h) pooling off, one pod of 5 answers UNAVAILABLE for 5 s",
						"%d calls, %d failed %s, calls by attempts %s; attempts %s", all.calls(), all.failedCalls(),
						all.failures(), all.callsByAttempts(), all.attemptsByBackend());
				assertThat(all.attemptsTo(bad.address())).as("the bad pod was dialed").isPositive();
				assertThat(all.failedCalls()).as("failed calls (last: %s)", load.lastFailure()).isZero();
			}
		});
	}

	/**
	 * Calls in flight on the killed connection fail UNAVAILABLE and are retried on other pods; a call whose headers
	 * grpc-java was writing just as the connection closed (UNKNOWN "channel closed", which grpc-java itself never
	 * retries, grpc/grpc-java#10120; about one run in six before) is sent again by {@link
	 * io.github.grpclb.channel.UnsentCallReplay}. No call fails.
	 */
	@Test
	void whenOnePodOfFiveIsKilledAbruptlyThenNoCallFails() {
		Backends.Backend victim = backends().all().get(2);
		runner().run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = warmStub(context);
			try (RecordingLoad load = RecordingLoad.start(stub, THREADS)) {
				Thread.sleep(1000);
				long kill = load.now();
				victim.kill();
				Thread.sleep(4000);
				long restart = load.now();
				victim.restart();
				long back = load.awaitWindow(restart, (w) -> w.successesOn(victim.address()) > 0, Duration.ofSeconds(20));
				long end = load.now();
				load.close();
				RecordingLoad.Window all = load.window(kill, end);
				RecordingLoad.Window atKill = load.window(plus(kill, Duration.ofMillis(-200)), plus(kill, Duration.ofSeconds(1)));
				report("g) one pod of 5 killed (no GOAWAY), restarted 4 s later",
						"%d calls, %d failed %s, around the kill %.3f attempts/call (%d transparent retries); serving "
								+ "again %s after the restart",
						all.calls(), all.failedCalls(), all.failures(), atKill.attemptsPerCall(),
						atKill.transparentRetries(),
						millisBetween(restart, back > 0 ? load.window(restart, end).firstSuccessOn(victim.address()) : -1));
				assertThat(all.failedCalls()).as("failed calls (last: %s)", load.lastFailure()).isZero();
			}
		});
	}

	/**
	 * grpc-java's channel-closed race (grpc/grpc-java#10120), provoked: one pod after another killed abruptly and
	 * restarted, 25 times at 0.4 s intervals, under 16 threads of calls. Measured with the replay switched off (40
	 * kills): 53 calls failed UNKNOWN "channel closed"; with it: none (52 replays). Asserted: no call fails UNKNOWN.
	 * Calls may fail UNAVAILABLE here, and that is by design: a kill every 0.4 s, with outlier detection off, empties
	 * the retry budget (retry throttling), which then lets calls fail rather than multiply attempts.
	 */
	@Test
	void whenPodsAreKilledOneAfterAnotherThenNoCallIsLostToGrpcJavasChannelClosedRace() {
		runner("grpc.lb.clients.orders.outlier-detection.enabled=false").run((context) -> {
			EchoServiceGrpc.EchoServiceBlockingStub stub = warmStub(context);
			try (RecordingLoad load = RecordingLoad.start(stub, 16)) {
				long start = load.now();
				for (int i = 0; i < 25; i++) {
					Backends.Backend victim = backends().all().get(i % 5);
					Thread.sleep(250);
					victim.kill();
					Thread.sleep(150);
					victim.restart();
				}
				Thread.sleep(1000);
				long end = load.now();
				load.close();
				RecordingLoad.Window all = load.window(start, end);
				report("i) 25 abrupt kills at 0.4 s intervals, 16 threads", "%d calls, %d failed %s", all.calls(),
						all.failedCalls(), all.failures());
				assertThat(all.callsByStatus()).as("calls by status (last failure: %s)", Causes.chain(load.lastFailure()))
					.doesNotContainKey(Status.Code.UNKNOWN);
			}
		});
	}

}
