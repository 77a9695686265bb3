package io.github.grpclb.channel;

import io.grpc.Attributes;
import io.grpc.Status;

/**
 * An address list that is empty on purpose: the resolver knows there is no backend to call (a Kubernetes Service
 * with no ready endpoint) and says why. grpc-java's policies would treat an empty list as a resolution error and
 * keep the connections they have, so calls would go on reaching pods that left rotation; the starter's policies
 * instead close every connection and fail calls with this status until backends come back.
 */
public final class NoBackends {

	/** The status calls fail with, as an attribute of the resolution result. */
	public static final Attributes.Key<Status> STATUS = Attributes.Key.create("io.github.grpclb.noBackends");

	private NoBackends() {
	}

	/**
	 * The status an empty address list stands for.
	 * @param attributes the resolution's attributes
	 * @return the resolver's status, or a generic UNAVAILABLE
	 */
	static Status statusOf(Attributes attributes) {
		Status status = attributes.get(STATUS);
		return (status != null) ? status : Status.UNAVAILABLE.withDescription("the name resolver returned no address");
	}

}
