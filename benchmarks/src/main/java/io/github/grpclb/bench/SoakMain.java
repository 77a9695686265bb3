package io.github.grpclb.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.grpclb.bench.proto.BenchReply;
import io.github.grpclb.bench.proto.BenchRequest;
import io.github.grpclb.bench.proto.BenchServiceGrpc;
import io.github.grpclb.client.GrpcLbClient;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A soak in the manner of gRPC's {@code rpc_soak} interop test, through rolling updates: while closed-loop threads
 * make unary calls, one after the other, through the starter's client, a fleet of five pods is replaced one pod at a
 * time, over and over, like a Deployment with maxSurge 1 and maxUnavailable 0. The client has the starter's defaults
 * (health checking, outlier ejection, retries of UNAVAILABLE) and a 5 s {@code resolver.refresh-interval}; its target
 * names {@link BenchDns}, so every lookup goes over the DNS wire protocol
 * ({@code dns://127.0.0.1:<port>/soak.test:<port>}).
 * <p>
 * Each step starts a pod (a grpc-java server with the bench service and grpc.health.v1) on a free loopback address,
 * all pods on one port as they share a container port, and adds it to DNS; once the pod has had its first call, the
 * oldest pod leaves DNS and reports NOT_SERVING, gets a termination grace, and is shut down gracefully (calls in
 * flight finish; after 30 s it would be forced). Its address goes back to the pool and is reused a few steps later,
 * as pod IPs are.
 * <p>
 * Every call is checked on its own, as rpc_soak does: it fails the soak when its status is not OK or it took longer
 * than the bound (1 s, rpc_soak's default per-call bound in grpc-java's interop client); a call with no status 5 s
 * after its deadline counts as failed (HUNG) and its thread moves on. The run writes the calls, failures by status,
 * latency percentiles and the steps to {@code <out>/<name>.md} and {@code .json}, and exits with status 1 when a
 * call failed.
 * <p>
 * Options: {@code --duration} (10m; steps start until then and the last one finishes under load), {@code --threads}
 * (8), {@code --deadline} (2s, of every call), {@code --bound} (1s), {@code --grace} (8s, from NOT_SERVING to
 * shutdown; longer than the refresh interval), {@code --out} (docs/benchmarks), {@code --name} (soak).
 */
public final class SoakMain {

	private static final String NAME = "soak.test";

	private static final int FLEET = 5;

	private static final Duration REFRESH_INTERVAL = Duration.ofSeconds(5);

	private static final Duration WARM_UP = Duration.ofSeconds(5);

	/** How long a step waits for the new pod's first call before it goes on regardless. */
	private static final Duration READINESS_TIMEOUT = REFRESH_INTERVAL.multipliedBy(3);

	/** How long after its deadline a call without a status counts as hung (and the thread moves on). */
	private static final Duration HUNG_AFTER = Duration.ofSeconds(5);

	/** Kubernetes' default terminationGracePeriodSeconds: a pod still open after it is killed. */
	private static final Duration KILL_AFTER = Duration.ofSeconds(30);

	/** Failed calls described in the results, of each kind (not OK; OK but over the bound). */
	private static final int FAILURES_KEPT = 100;

	private final Duration duration;

	private final int threads;

	private final Duration deadline;

	private final Duration bound;

	private final Duration grace;

	private final Deque<String> freeAddresses = IntStream.range(10, 20)
		.mapToObj((i) -> "127.0.0." + i)
		.collect(Collectors.toCollection(ArrayDeque::new));

	/** The pods in DNS, oldest first. */
	private final Deque<Pod> fleet = new ArrayDeque<>();

	/** Every pod of the run by name, to credit replies. */
	private final Map<String, Pod> pods = new ConcurrentHashMap<>();

	private final List<Step> steps = new ArrayList<>();

	private final Histogram latencies = new ConcurrentHistogram(3);

	private final LongAdder calls = new LongAdder();

	private final Map<String, LongAdder> failedByStatus = new ConcurrentHashMap<>();

	private final LongAdder slow = new LongAdder();

	private final List<Failure> notOk = Collections.synchronizedList(new ArrayList<>());

	private final List<Failure> overBound = Collections.synchronizedList(new ArrayList<>());

	private final AtomicLong ids = new AtomicLong();

	private BenchDns dns;

	private int port;

	/** When recording began (after the warm-up); 0 before. */
	private volatile long since;

	private volatile boolean running = true;

	/** What the rolling update is doing, noted with each failed call. */
	private volatile String phase = "warm-up";

	private SoakMain(Duration duration, int threads, Duration deadline, Duration bound, Duration grace) {
		this.duration = duration;
		this.threads = threads;
		this.deadline = deadline;
		this.bound = bound;
		this.grace = grace;
	}

	public static void main(String[] args) throws Exception {
		Duration duration = Duration.ofMinutes(10);
		int threads = 8;
		Duration deadline = Duration.ofSeconds(2);
		Duration bound = Duration.ofSeconds(1);
		Duration grace = Duration.ofSeconds(8);
		Path out = Path.of("docs/benchmarks");
		String name = "soak";
		for (String arg : args) {
			String value = arg.substring(arg.indexOf('=') + 1);
			if (arg.startsWith("--duration=")) {
				duration = DurationStyle.detectAndParse(value);
			}
			else if (arg.startsWith("--threads=")) {
				threads = Integer.parseInt(value);
			}
			else if (arg.startsWith("--deadline=")) {
				deadline = DurationStyle.detectAndParse(value);
			}
			else if (arg.startsWith("--bound=")) {
				bound = DurationStyle.detectAndParse(value);
			}
			else if (arg.startsWith("--grace=")) {
				grace = DurationStyle.detectAndParse(value);
			}
			else if (arg.startsWith("--out=")) {
				out = Path.of(value);
			}
			else if (arg.startsWith("--name=")) {
				name = value;
			}
			else {
				throw new IllegalArgumentException("unknown option " + arg
						+ "; known: --duration=10m --threads=8 --deadline=2s --bound=1s --grace=8s --out=dir --name=file");
			}
		}
		boolean passed = new SoakMain(duration, threads, deadline, bound, grace).run(out, name);
		System.exit(passed ? 0 : 1);
	}

	private boolean run(Path out, String name) throws Exception {
		this.port = BenchBackends.freePort();
		long ended;
		try (BenchDns server = new BenchDns(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0),
				REFRESH_INTERVAL.toSeconds())) {
			this.dns = server;
			for (int i = 0; i < FLEET; i++) {
				this.fleet.addLast(startPod());
			}
			publish();
			ConfigurableApplicationContext context = Clients.application(Map.of("logging.level.root", "WARN",
					"grpc.lb.clients.soak.target", "dns://127.0.0.1:" + server.port() + "/" + NAME + ":" + this.port,
					"grpc.lb.clients.soak.resolver.refresh-interval", REFRESH_INTERVAL.toSeconds() + "s"), false,
					Stub.class);
			BenchServiceGrpc.BenchServiceFutureStub stub = context.getBean(Stub.class).stub;
			List<Thread> load = new ArrayList<>();
			try {
				for (int i = 0; i < this.threads; i++) {
					Thread thread = new Thread(() -> callLoop(stub), "soak-" + i);
					thread.start();
					load.add(thread);
				}
				Thread.sleep(WARM_UP.toMillis());
				List<String> idle = this.fleet.stream()
					.filter((pod) -> pod.firstCall.get() == 0)
					.map(Pod::toString)
					.toList();
				if (!idle.isEmpty()) {
					throw new IllegalStateException("warm-up: no call reached " + idle);
				}
				this.since = System.nanoTime();
				System.out.printf("Soak: %d threads, deadline %s, bound %s, rolling updates for %s...%n", this.threads,
						text(this.deadline), text(this.bound), text(this.duration));
				while (System.nanoTime() - this.since < this.duration.toNanos()) {
					this.steps.add(replace(this.steps.size() + 1));
				}
			}
			finally {
				this.running = false;
				for (Thread thread : load) {
					thread.join();
				}
				ended = System.nanoTime();
				context.close();
				this.fleet.forEach((pod) -> pod.server.shutdownNow());
			}
		}
		return report(out, name, ended);
	}

	/**
	 * One thread of the closed loop: a call, checked, then the next. It waits for each call through a future, at most
	 * {@link #HUNG_AFTER} past the deadline, so that a call that never ends is counted instead of stopping the thread.
	 */
	private void callLoop(BenchServiceGrpc.BenchServiceFutureStub stub) {
		while (this.running) {
			long id = this.ids.incrementAndGet();
			String during = this.phase;
			long started = System.nanoTime();
			String outcome;
			String description = "";
			String servedBy = null;
			try {
				BenchReply reply = stub.withDeadlineAfter(this.deadline.toMillis(), TimeUnit.MILLISECONDS)
					.call(BenchRequest.newBuilder().setId(id).build())
					.get(this.deadline.plus(HUNG_AFTER).toMillis(), TimeUnit.MILLISECONDS);
				servedBy = reply.getServedBy();
				outcome = (reply.getId() == id) ? "OK" : "WRONG_REPLY";
			}
			catch (ExecutionException ex) {
				Status status = Status.fromThrowable(ex.getCause());
				outcome = status.getCode().name();
				description = Objects.toString(status.getDescription(), "")
						+ ((status.getCause() != null) ? " (" + status.getCause() + ")" : "");
			}
			catch (TimeoutException ex) {
				outcome = "HUNG";
				description = "no status " + text(HUNG_AFTER) + " after its " + text(this.deadline) + " deadline";
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			record(new Call(started, System.nanoTime(), during, outcome, description, servedBy));
		}
	}

	private void record(Call call) {
		Pod pod = (call.servedBy != null) ? this.pods.get(call.servedBy) : null;
		if (pod != null) {
			pod.served(call.ended);
		}
		long recordingSince = this.since;
		if (recordingSince == 0 || call.started < recordingSince) {
			return;
		}
		long nanos = call.ended - call.started;
		this.latencies.recordValue(Math.max(1, nanos / 1000));
		this.calls.increment();
		List<Failure> kept;
		if (!call.outcome.equals("OK")) {
			this.failedByStatus.computeIfAbsent(call.outcome, (code) -> new LongAdder()).increment();
			kept = this.notOk;
		}
		else if (nanos > this.bound.toNanos()) {
			this.slow.increment();
			kept = this.overBound;
		}
		else {
			return;
		}
		if (kept.size() < FAILURES_KEPT) {
			kept.add(new Failure(round((call.started - recordingSince) / 1e9, 3), call.outcome, call.description,
					round(nanos / 1e6, 1), call.during));
		}
	}

	/** One step of the rolling update: a new pod in, the oldest out. */
	private Step replace(int number) throws Exception {
		Pod surge = startPod();
		this.phase = "step %d: %s added".formatted(number, surge);
		this.fleet.addLast(surge);
		publish();
		long added = System.nanoTime();
		while (surge.firstCall.get() == 0 && System.nanoTime() - added < READINESS_TIMEOUT.toNanos()) {
			Thread.sleep(10);
		}
		long firstCall = surge.firstCall.get();
		Pod old = this.fleet.removeFirst();
		publish();
		old.health.enterTerminalState();
		long drained = System.nanoTime();
		long callsBefore = old.calls.sum();
		this.phase = "step %d: %s out of DNS and NOT_SERVING".formatted(number, old);
		Thread.sleep(this.grace.toMillis());
		this.phase = "step %d: %s shutting down".formatted(number, old);
		long shutdown = System.nanoTime();
		old.server.shutdown();
		boolean graceful = old.server.awaitTermination(KILL_AFTER.toMillis(), TimeUnit.MILLISECONDS);
		if (!graceful) {
			old.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
		}
		long terminated = System.nanoTime();
		this.freeAddresses.addLast(old.address);
		long callsAfter = old.calls.sum() - callsBefore;
		Step step = new Step(number, round((added - this.since) / 1e9, 1), surge.toString(),
				(firstCall == 0) ? null : round((firstCall - added) / 1e9, 2), old.toString(), old.calls.sum(),
				callsAfter, (callsAfter == 0) ? 0 : round((old.lastCall - drained) / 1e6, 1),
				round((terminated - shutdown) / 1e6, 1), graceful);
		System.out.printf(Locale.ROOT,
				"step %d at %.0f s: %s %s; %s served %d calls after leaving, shut down in %.0f ms%s;"
						+ " calls %,d, not OK or over the bound %,d%n",
				number, step.atSeconds, surge, (firstCall == 0) ? "had no call within " + text(READINESS_TIMEOUT)
						: "had its first call after " + step.firstCallSeconds + " s",
				old, step.callsAfterLeaving, step.shutdownMs,
				graceful ? "" : " (forced)", this.calls.sum(), failed() + this.slow.sum());
		return step;
	}

	private Pod startPod() throws IOException {
		Pod pod = new Pod("pod-" + (this.pods.size() + 1), this.freeAddresses.removeFirst(), this.port);
		this.pods.put(pod.name, pod);
		return pod;
	}

	private void publish() throws IOException {
		this.dns.publish(NAME, this.fleet.stream().map((pod) -> pod.address).toList());
	}

	private long failed() {
		return this.failedByStatus.values().stream().mapToLong(LongAdder::sum).sum();
	}

	private boolean report(Path out, String name, long ended) throws IOException {
		double seconds = (ended - this.since) / 1e9;
		long total = this.calls.sum();
		long failed = failed();
		long slowCalls = this.slow.sum();
		boolean passed = total > 0 && failed == 0 && slowCalls == 0;
		Map<String, Long> byStatus = new TreeMap<>();
		this.failedByStatus.forEach((code, count) -> byStatus.put(code, count.sum()));
		List<Double> firstCalls = this.steps.stream()
			.map(Step::firstCallSeconds)
			.filter(Objects::nonNull)
			.sorted()
			.toList();
		List<Double> lastCalls = this.steps.stream().map(Step::lastCallAfterLeavingMs).sorted().toList();
		List<Double> shutdowns = this.steps.stream().map(Step::shutdownMs).sorted().toList();
		long afterLeaving = this.steps.stream().mapToLong(Step::callsAfterLeaving).sum();
		long forced = this.steps.stream().filter((step) -> !step.graceful).count();
		String boundText = text(this.bound);
		String verdict = passed ? "PASS: every call OK and within " + boundText
				: "FAIL: %,d failed, %,d OK but over %s".formatted(failed, slowCalls, boundText);

		Map<String, Object> figures = new LinkedHashMap<>();
		figures.put("verdict", passed ? "PASS" : "FAIL");
		figures.put("seconds", round(seconds, 1));
		figures.put("calls", total);
		figures.put("callsPerSecond", Math.round(total / seconds));
		figures.put("failed", failed);
		figures.put("failedByStatus", byStatus);
		figures.put("okButOverBound", slowCalls);
		figures.put("p50Ms", percentileMs(50));
		figures.put("p99Ms", percentileMs(99));
		figures.put("p999Ms", percentileMs(99.9));
		figures.put("maxMs", round(this.latencies.getMaxValue() / 1000.0, 2));
		figures.put("podsReplaced", this.steps.size());
		figures.put("newPodsWithoutCallWithinReadinessTimeout", this.steps.size() - firstCalls.size());
		figures.put("newPodFirstCallSecondsMedian", median(firstCalls));
		figures.put("newPodFirstCallSecondsMax", last(firstCalls));
		figures.put("callsToPodsAfterLeaving", afterLeaving);
		figures.put("lastCallAfterLeavingMsMax", last(lastCalls));
		figures.put("shutdownMsMedian", median(shutdowns));
		figures.put("shutdownMsMax", last(shutdowns));
		figures.put("forcedShutdowns", forced);

		StringBuilder md = new StringBuilder("| figure | value |\n|---|---|\n");
		md.append("| verdict | **%s** |%n".formatted(verdict));
		md.append(String.format(Locale.ROOT, "| load | %d threads of unary calls one after the other, deadline %s "
				+ "each, %.0f s recorded after %s of warm-up |%n", this.threads, text(this.deadline), seconds, text(WARM_UP)));
		md.append(String.format(Locale.ROOT, "| calls | %,d (%,d/s) |%n", total, Math.round(total / seconds)));
		md.append("| failed calls | %,d%s |%n".formatted(failed, byStatus.isEmpty() ? ""
				: " (" + byStatus.entrySet().stream().map((e) -> e.getKey() + " " + e.getValue())
					.collect(Collectors.joining(", ")) + ")"));
		md.append("| OK calls over the %s bound | %,d |%n".formatted(boundText, slowCalls));
		md.append("| latency p50 / p99 / p99.9 / max | %s / %s / %s / %s ms |%n".formatted(figures.get("p50Ms"),
				figures.get("p99Ms"), figures.get("p999Ms"), figures.get("maxMs")));
		md.append("| rolling-update steps completed (pods replaced) | %d (%.1f× the fleet of %d) |%n"
			.formatted(this.steps.size(), this.steps.size() / (double) FLEET, FLEET));
		md.append("| new pod's first call after it was added to DNS, median / max | %s / %s s (%d of %d within %s) |%n"
			.formatted(median(firstCalls), last(firstCalls), firstCalls.size(), this.steps.size(),
					text(READINESS_TIMEOUT)));
		md.append("| calls old pods served after leaving DNS and turning NOT_SERVING; latest, max | %,d; %s ms |%n"
			.formatted(afterLeaving, last(lastCalls)));
		md.append("| graceful shutdown after the %s grace, median / max | %s / %s ms (%d forced) |%n"
			.formatted(text(this.grace), median(shutdowns), last(shutdowns), forced));
		failures(md, "Failed calls", this.notOk, failed);
		failures(md, "OK calls over the bound", this.overBound, slowCalls);
		String date = java.time.OffsetDateTime.now().withNano(0).toString();
		md.append(String.format(Locale.ROOT, "%nClient: the starter's defaults (health checking, outlier ejection, "
				+ "retries of UNAVAILABLE) with resolver.refresh-interval %s, target dns://127.0.0.1:<port>/%s:<port> "
				+ "(a DNS server in the run, record TTL %s). Fleet: %d grpc-java servers with grpc.health.v1 on "
				+ "127.0.0.10–.19, one port; each step adds a pod, waits for its first call, takes the oldest out of "
				+ "DNS and sets it NOT_SERVING, waits %s, then shuts it down gracefully. Machine: %d cores (%s), %s %s. "
				+ "Run at %s.%n", text(REFRESH_INTERVAL), NAME, text(REFRESH_INTERVAL), FLEET, text(this.grace),
				Runtime.getRuntime().availableProcessors(), Report.cpuModel(), System.getProperty("java.vm.name"),
				System.getProperty("java.version"), date));
		Files.createDirectories(out);
		Files.writeString(out.resolve(name + ".md"), md);

		Map<String, Object> json = new LinkedHashMap<>();
		Map<String, Object> run = new LinkedHashMap<>();
		run.put("duration", this.duration.toString());
		run.put("threads", this.threads);
		run.put("deadline", this.deadline.toString());
		run.put("bound", this.bound.toString());
		run.put("grace", this.grace.toString());
		run.put("refreshInterval", REFRESH_INTERVAL.toString());
		run.put("cores", Runtime.getRuntime().availableProcessors());
		run.put("cpu", Report.cpuModel());
		run.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
		run.put("date", date);
		json.put("run", run);
		json.put("figures", figures);
		json.put("failedCalls", this.notOk);
		json.put("okCallsOverBound", this.overBound);
		json.put("steps", this.steps);
		new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
			.writeValue(out.resolve(name + ".json").toFile(), json);
		System.out.print(md);
		System.out.println("Wrote " + out.resolve(name + ".md"));
		return passed;
	}

	private static void failures(StringBuilder md, String title, List<Failure> kept, long count) {
		if (kept.isEmpty()) {
			return;
		}
		md.append("%n%s%s:%n%n| at s | status | latency ms | started during |%n|---:|---|---:|---|%n".formatted(title,
				(count > kept.size()) ? " (the first " + kept.size() + " of " + count + ")" : ""));
		synchronized (kept) {
			for (Failure failure : kept) {
				md.append("| %s | %s%s | %s | %s |%n".formatted(failure.atSeconds, failure.status,
						failure.description.isEmpty() ? "" : ": " + failure.description, failure.latencyMs,
						failure.during));
			}
		}
	}

	private double percentileMs(double percentile) {
		return round(this.latencies.getValueAtPercentile(percentile) / 1000.0, 2);
	}

	private static Double median(List<Double> sorted) {
		return sorted.isEmpty() ? null : sorted.get(sorted.size() / 2);
	}

	private static Double last(List<Double> sorted) {
		return sorted.isEmpty() ? null : sorted.get(sorted.size() - 1);
	}

	private static double round(double value, int decimals) {
		double scale = Math.pow(10, decimals);
		return Math.round(value * scale) / scale;
	}

	/** "8 s", "1.5 s", "10 min". */
	private static String text(Duration duration) {
		if (duration.toSeconds() >= 60 && duration.toSeconds() % 60 == 0) {
			return duration.toMinutes() + " min";
		}
		return ((duration.toMillis() % 1000 == 0) ? String.valueOf(duration.toSeconds())
				: String.valueOf(duration.toMillis() / 1000.0)) + " s";
	}

	/** What one call did: its outcome is OK, a status code, WRONG_REPLY or HUNG. */
	private record Call(long started, long ended, String during, String outcome, String description,
			String servedBy) {
	}

	/**
	 * A call that failed the soak.
	 *
	 * @param atSeconds when it started, from the start of recording
	 * @param status OK (when it was over the bound), a status code, WRONG_REPLY or HUNG
	 * @param description the status description and cause
	 * @param latencyMs how long it took (for HUNG, how long it was waited for)
	 * @param during what the rolling update was doing when it started
	 */
	record Failure(double atSeconds, String status, String description, double latencyMs, String during) {
	}

	/** The client, injected as applications get it. */
	static class Stub {

		@GrpcLbClient("soak")
		BenchServiceGrpc.BenchServiceFutureStub stub;

	}

	/**
	 * One step of the rolling update.
	 *
	 * @param number its number, from 1
	 * @param atSeconds when the new pod was added to DNS, from the start of recording
	 * @param newPod the pod added
	 * @param firstCallSeconds when the new pod's first call came back, after it was added; {@code null} when none came
	 * within the readiness timeout
	 * @param oldPod the pod replaced
	 * @param oldPodCalls calls the old pod served in all
	 * @param callsAfterLeaving calls the old pod served after it left DNS and reported NOT_SERVING
	 * @param lastCallAfterLeavingMs when its last call came back, after it left (0 when none came after)
	 * @param shutdownMs how long its graceful shutdown took
	 * @param graceful whether it ended within 30 s without being forced
	 */
	record Step(int number, double atSeconds, String newPod, Double firstCallSeconds, String oldPod, long oldPodCalls,
			long callsAfterLeaving, double lastCallAfterLeavingMs, double shutdownMs, boolean graceful) {
	}

	/** A pod: a server on its own loopback address with the health service, and when the client's calls reached it. */
	private static final class Pod {

		private final String name;

		private final String address;

		private final HealthStatusManager health = new HealthStatusManager();

		private final Server server;

		private final LongAdder calls = new LongAdder();

		private final AtomicLong firstCall = new AtomicLong();

		private volatile long lastCall;

		Pod(String name, String address, int port) throws IOException {
			this.name = name;
			this.address = address;
			this.server = BenchBackends
				.configure(NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getByName(address), port)))
				.addService(this.health.getHealthService())
				.addService(new BenchBackends.Service(name))
				.build()
				.start();
		}

		void served(long at) {
			this.calls.increment();
			this.firstCall.compareAndSet(0, at);
			this.lastCall = at;
		}

		@Override
		public String toString() {
			return this.name + " (" + this.address + ")";
		}

	}

}
