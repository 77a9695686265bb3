package io.github.grpclb.bench;

import java.util.function.Supplier;

import io.github.grpclb.bench.proto.BenchServiceGrpc;

/**
 * One way of calling the backends: a stub in this JVM, or a variant of a child JVM ({@link ChildJvm}), which runs
 * the same {@link ClosedLoop} against the same backends.
 *
 * @param key short name (JSON, command line)
 * @param label what it is, for the table
 * @param stub the stub to drive, or {@code null} for a child's variant
 * @param child the JVM that runs it, or {@code null} for a stub of this JVM
 */
record Variant(String key, String label, Supplier<BenchServiceGrpc.BenchServiceStub> stub, ChildJvm child) {

	Variant(String key, String label, Supplier<BenchServiceGrpc.BenchServiceStub> stub) {
		this(key, label, stub, null);
	}

	static Variant inChild(String key, String label, ChildJvm child) {
		return new Variant(key, label, null, child);
	}

	/**
	 * Run the load.
	 * @param loop warm-up, window and concurrency
	 * @param backends the backends (their connections are counted here in both cases)
	 * @return what the window saw
	 * @throws ChildJvm.Failure if a child's variant failed
	 * @throws InterruptedException if interrupted
	 */
	ClosedLoop.Window run(ClosedLoop loop, BenchBackends backends) throws ChildJvm.Failure, InterruptedException {
		if (this.child == null) {
			return loop.run(this.stub.get(), backends::connections);
		}
		long connectionsBefore = backends.connections();
		ClosedLoop.Window window = this.child.run(this.key, loop);
		return window.withConnections(backends.connections() - connectionsBefore);
	}

}
