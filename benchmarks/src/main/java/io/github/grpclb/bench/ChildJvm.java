package io.github.grpclb.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A JVM that runs variants this one cannot hold (the Spring Boot 4 ones, {@code benchmarks-boot4}), started once per
 * run and driven with {@link LoadProtocol} over its standard input and output. Its standard error (logging) goes to
 * ours. It gets this JVM's heap, {@code -XX:} and {@code -D} options (the hosts file that makes
 * {@code backends.bench} resolve among them), so both resolve and size alike.
 */
final class ChildJvm implements AutoCloseable {

	private static final String END_OF_OUTPUT = "\u0000end of output";

	private final String name;

	private final Process process;

	private final PrintWriter requests;

	private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();

	private final long started = System.nanoTime();

	private ChildJvm(String name, Process process) {
		this.name = name;
		this.process = process;
		this.requests = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
		Thread reader = new Thread(this::read, name + "-output");
		reader.setDaemon(true);
		reader.start();
	}

	/**
	 * Start the child; it is ready once {@link #awaitReady} returns.
	 * @param name what to call it in messages
	 * @param jar its executable jar
	 * @param args its arguments
	 * @return the running child
	 * @throws Failure if the jar is missing or the JVM cannot be started
	 */
	static ChildJvm start(String name, Path jar, List<String> args) throws Failure {
		if (!Files.isRegularFile(jar)) {
			throw new Failure(jar + " not found (build it: ./mvnw -pl benchmarks,benchmarks-boot4 -am package "
					+ "-DskipTests, as benchmarks/run.sh does)", true);
		}
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(jvmOptions());
		command.add("-jar");
		command.add(jar.toString());
		command.addAll(args);
		try {
			return new ChildJvm(name,
					new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
		}
		catch (IOException ex) {
			throw new Failure("could not start " + String.join(" ", command) + ": " + ex, true);
		}
	}

	private static List<String> jvmOptions() {
		return ManagementFactory.getRuntimeMXBean()
			.getInputArguments()
			.stream()
			.filter((option) -> option.startsWith("-Xms") || option.startsWith("-Xmx") || option.startsWith("-XX:")
					|| option.startsWith("-D"))
			.toList();
	}

	long pid() {
		return this.process.pid();
	}

	/** @return the time since it was started */
	Duration age() {
		return Duration.ofNanos(System.nanoTime() - this.started);
	}

	/**
	 * Wait until the child has made its stubs.
	 * @param timeout how long its application may take to start
	 * @return the variant keys it runs
	 * @throws Failure if it failed or did not get ready in time
	 * @throws InterruptedException if interrupted
	 */
	Set<String> awaitReady(Duration timeout) throws Failure, InterruptedException {
		String message = next(timeout, "get ready");
		if (message.startsWith(LoadProtocol.READY + " ")) {
			return Set.of(message.substring(LoadProtocol.READY.length() + 1).trim().split(","));
		}
		throw new Failure(this.name + ": " + message, true);
	}

	/**
	 * Run one variant's load in the child.
	 * @param key the variant
	 * @param loop warm-up, window and concurrency
	 * @return what its window saw, connections not counted
	 * @throws Failure if the child answered with an error ({@link Failure#childGone()} false) or is gone
	 * @throws InterruptedException if interrupted
	 */
	ClosedLoop.Window run(String key, ClosedLoop loop) throws Failure, InterruptedException {
		String request = LoadProtocol.runRequest(key, loop);
		send(request);
		// The child's ClosedLoop waits up to 60 s for calls in flight after the window.
		String message = next(loop.warmUp().plus(loop.window()).plusSeconds(90), "answer '" + request + "'");
		if (message.startsWith(LoadProtocol.RESULT + " ")) {
			return LoadProtocol.decode(message.substring(LoadProtocol.RESULT.length() + 1));
		}
		throw new Failure(this.name + " answered '" + request + "' with: " + message, false);
	}

	private void send(String line) throws Failure, InterruptedException {
		this.requests.println(line);
		this.requests.flush();
		if (this.requests.checkError()) {
			throw new Failure(this.name + " no longer reads its input" + exit(), true);
		}
	}

	private String next(Duration timeout, String what) throws Failure, InterruptedException {
		String message = this.messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
		if (message == null) {
			throw new Failure(this.name + " did not " + what + " within " + timeout, true);
		}
		if (message.equals(END_OF_OUTPUT)) {
			this.messages.add(END_OF_OUTPUT);
			throw new Failure(this.name + " closed its output" + exit() + " (its log is above)", true);
		}
		return message;
	}

	private String exit() throws InterruptedException {
		return this.process.waitFor(5, TimeUnit.SECONDS) ? ", exit code " + this.process.exitValue() : "";
	}

	private void read() {
		try (BufferedReader output = new BufferedReader(
				new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8))) {
			for (String line = output.readLine(); line != null; line = output.readLine()) {
				if (LoadProtocol.isMessage(line)) {
					this.messages.add(line);
				}
				else {
					System.err.println("[" + this.name + "] " + line);
				}
			}
		}
		catch (IOException ex) {
			System.err.println("[" + this.name + "] reading its output failed: " + ex);
		}
		finally {
			this.messages.add(END_OF_OUTPUT);
		}
	}

	/** Ask the child to quit, and end it if it does not within 15 s. */
	@Override
	public void close() throws InterruptedException {
		if (this.process.isAlive()) {
			this.requests.println(LoadProtocol.QUIT);
			this.requests.close();
			if (!this.process.waitFor(15, TimeUnit.SECONDS)) {
				this.process.destroy();
				if (!this.process.waitFor(5, TimeUnit.SECONDS)) {
					this.process.destroyForcibly();
				}
			}
		}
	}

	/** The child failed, or failed one request. */
	static final class Failure extends Exception {

		private final boolean childGone;

		Failure(String message, boolean childGone) {
			super(message);
			this.childGone = childGone;
		}

		/** @return whether none of the child's variants can run any more (else only the request failed) */
		boolean childGone() {
			return this.childGone;
		}

	}

}
