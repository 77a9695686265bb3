package io.github.grpclb.channel;

import java.net.InetSocketAddress;

/**
 * What the DNS resolver needs of a {@code dns:} {@link Target}.
 *
 * @param server the DNS server from the authority, or {@code null} for the system's; unresolved when it is given by
 * name (looked up off the synchronization context, when queries are sent)
 * @param host the name to resolve
 * @param port the port, or {@code -1} when SRV records give it
 */
record DnsTarget(InetSocketAddress server, String host, int port) {

	/**
	 * The DNS view of a target.
	 * @param target a {@link Target.Kind#DNS} target
	 * @return its parts
	 */
	static DnsTarget of(Target target) {
		if (target.kind() != Target.Kind.DNS) {
			throw new IllegalArgumentException("not a dns target: " + target);
		}
		InetSocketAddress server = (target.dnsServer() != null) ? target.dnsServer().socketAddress() : null;
		return new DnsTarget(server, target.address().host(), target.address().port());
	}

	/** @return the name SRV records are looked up under */
	String srvName() {
		return this.host.startsWith("_") ? this.host : "_grpc._tcp." + this.host;
	}

	/** @return the authority the channel reports: {@code host:port}, or the host alone with SRV */
	String authority() {
		return new Target.HostPort(this.host, this.port).toString();
	}

}
