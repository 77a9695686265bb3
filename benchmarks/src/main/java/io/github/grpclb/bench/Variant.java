package io.github.grpclb.bench;

import java.util.function.Supplier;

import io.github.grpclb.bench.proto.BenchServiceGrpc;

/**
 * One way of calling the backends.
 *
 * @param key short name (JSON, command line)
 * @param label what it is, for the table
 * @param stub the stub to drive
 */
record Variant(String key, String label, Supplier<BenchServiceGrpc.BenchServiceStub> stub) {
}
