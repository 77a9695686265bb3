package io.github.grpclb.test;

import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.Attributes;
import io.grpc.ServerTransportFilter;

/**
 * Counts the connections a server accepts (add it with {@code ServerBuilder.addTransportFilter}): a client that
 * keeps its connection makes one, a GOAWAY forces another.
 */
public final class ConnectionCounter extends ServerTransportFilter {

	private final AtomicInteger count = new AtomicInteger();

	@Override
	public Attributes transportReady(Attributes transportAttrs) {
		this.count.incrementAndGet();
		return transportAttrs;
	}

	/** @return the connections accepted so far */
	public int count() {
		return this.count.get();
	}

}
