package io.github.grpclb.channel;

import java.net.InetSocketAddress;
import java.net.URI;

/**
 * A parsed {@code dns:} target.
 *
 * @param server the DNS server from the authority, or {@code null} for the system's
 * @param host the name to resolve
 * @param port the port, or {@code -1} when SRV records give it
 */
public record DnsTarget(InetSocketAddress server, String host, int port) {

	/**
	 * Parse {@code dns://[server[:port]]/host[:port]}.
	 * @param uri the target
	 * @param srv whether SRV records give the port (then it may be missing)
	 * @return the parts
	 * @throws IllegalArgumentException when the target is malformed
	 */
	public static DnsTarget parse(URI uri, boolean srv) {
		InetSocketAddress server = null;
		String authority = uri.getRawAuthority();
		if (authority != null && !authority.isEmpty()) {
			URI parsed = URI.create("dns://" + authority);
			if (parsed.getHost() == null) {
				throw new IllegalArgumentException("'" + authority + "' is not a DNS server address (host[:port])");
			}
			server = new InetSocketAddress(parsed.getHost(), (parsed.getPort() > 0) ? parsed.getPort() : 53);
		}
		String path = uri.getPath();
		if (path == null || path.length() < 2) {
			throw new IllegalArgumentException("a dns target needs a host name after the authority, e.g. dns:///orders:9090");
		}
		String hostPort = path.substring(1);
		URI parsed = URI.create("dns://" + hostPort);
		if (parsed.getHost() == null) {
			throw new IllegalArgumentException("'" + hostPort + "' is not host:port");
		}
		int port = parsed.getPort();
		if (port < 0 && !srv) {
			throw new IllegalArgumentException("'" + hostPort + "' has no port (only SRV lookups may leave it out)");
		}
		return new DnsTarget(server, parsed.getHost(), port);
	}

	/** @return the name SRV records are looked up under */
	public String srvName() {
		return this.host.startsWith("_") ? this.host : "_grpc._tcp." + this.host;
	}

	/** @return the authority the channel reports: {@code host:port}, or the host alone with SRV */
	public String authority() {
		return (this.port > 0) ? this.host + ":" + this.port : this.host;
	}

}
