package io.github.grpclb.channel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

import com.google.common.net.InetAddresses;

import io.grpc.NameResolverRegistry;

/**
 * A client's target, parsed once by the one grammar the starter has. The forms (the README's "Targets"):
 * <ul>
 * <li>{@code host:port} and {@code [ipv6]:port}, short for {@code dns:///host:port} (an IPv6 literal is
 * percent-encoded in the path, {@code dns:///%5B::1%5D:9090}, as grpc-java requires);</li>
 * <li>{@code dns:///host:port} (the system's resolver) and {@code dns://server[:port]/host:port} (that DNS
 * server); with SRV the port may be left out, and the host may be the full SRV name
 * ({@code _grpc._tcp.orders.shop.svc.cluster.local});</li>
 * <li>{@code static:///host:port,host:port,…} (a fixed list: IPv4 addresses or host names);</li>
 * <li>{@code kubernetes:///service[.namespace[.svc[.cluster-domain]]][:port or port-name]} (the ready endpoints of a
 * Service, from a watch of its EndpointSlices; the namespace defaults to the client's own);</li>
 * <li>any other URI whose scheme grpc-java has a resolver for, kept as it is.</li>
 * </ul>
 * Hosts are DNS names (letters, digits, {@code -}, {@code _} and dots) or IP literals. Parsing never looks a name
 * up: it is safe in grpc's synchronization context.
 */
public final class Target {

	private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?");

	private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");

	private static final String EXAMPLE = "Use host:port (becomes dns:///host:port) or a URI such as "
			+ "dns:///orders.my-namespace.svc.cluster.local:9090, with the pod (container) port.";

	private static final String STATIC_EXAMPLE = "List the addresses after three slashes, each with its port: "
			+ "static:///10.0.0.1:9090,10.0.0.2:9090 (IPv4 addresses or host names).";

	private static final String KUBERNETES_EXAMPLE = "Name the Service and its port after three slashes: "
			+ "kubernetes:///orders.shop:grpc (Service orders in namespace shop, port name grpc) or "
			+ "kubernetes:///orders:9090 (the client's own namespace, pod port 9090).";

	/** A Kubernetes object name (RFC 1123 label): a Service, a namespace, a port name. */
	private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

	/** What resolves a target. */
	public enum Kind {

		/** {@code dns:} */
		DNS,

		/** {@code static:} */
		STATIC,

		/** {@code kubernetes:} */
		KUBERNETES,

		/** Another scheme, resolved by grpc-java's registry. */
		OTHER

	}

	private final String uri;

	private final String scheme;

	private final Kind kind;

	private final HostPort dnsServer;

	private final HostPort address;

	private final List<HostPort> entries;

	private final KubernetesService service;

	private Target(String uri, String scheme, Kind kind, HostPort dnsServer, HostPort address,
			List<HostPort> entries) {
		this(uri, scheme, kind, dnsServer, address, entries, null);
	}

	private Target(String uri, String scheme, Kind kind, HostPort dnsServer, HostPort address,
			List<HostPort> entries, KubernetesService service) {
		this.uri = uri;
		this.scheme = scheme;
		this.kind = kind;
		this.dnsServer = dnsServer;
		this.address = address;
		this.entries = entries;
		this.service = service;
	}

	/**
	 * Parse a target as configured.
	 * @param raw the configured value
	 * @param srv whether SRV records give the port (then a dns target may leave it out)
	 * @return the target
	 * @throws SyntaxException naming what is wrong and how to write it
	 */
	public static Target parse(String raw, boolean srv) {
		Objects.requireNonNull(raw, "raw");
		String text = raw.trim();
		if (text.isEmpty()) {
			throw new SyntaxException("a target is needed", EXAMPLE);
		}
		if (text.chars().anyMatch(Character::isWhitespace)) {
			throw new SyntaxException("a target cannot contain white space", EXAMPLE);
		}
		int schemeEnd = text.indexOf("://");
		if (schemeEnd < 0) {
			HostPort address = hostPort(text, srv, EXAMPLE);
			return dns("dns:///" + pathForm(address), "dns", null, address);
		}
		String scheme = text.substring(0, schemeEnd);
		if (!SCHEME.matcher(scheme).matches()) {
			throw new SyntaxException("'" + scheme + "' is not a valid URI scheme", EXAMPLE);
		}
		String afterScheme = text.substring(schemeEnd + 3);
		int slash = afterScheme.indexOf('/');
		String authority = (slash < 0) ? afterScheme : afterScheme.substring(0, slash);
		String path = (slash < 0) ? "" : afterScheme.substring(slash + 1);
		String lower = scheme.toLowerCase(Locale.ROOT);
		if (lower.equals(StaticAddressesNameResolverProvider.SCHEME)) {
			return staticList(text, scheme, authority, path);
		}
		if (lower.equals(KubernetesNameResolverProvider.SCHEME)) {
			return kubernetes(text, scheme, authority, path);
		}
		if (lower.equals("dns")) {
			// An IPv6 literal goes into the path percent-encoded, as grpc-java writes it ([ and ] are not allowed
			// there); accept it written either way.
			path = path.replace("%5B", "[").replace("%5b", "[").replace("%5D", "]").replace("%5d", "]");
			text = scheme + "://" + authority + "/" + path.replace("[", "%5B").replace("]", "%5D");
		}
		String grpcProblem = grpcUriProblem(text);
		if (grpcProblem != null) {
			throw new SyntaxException("grpc-java's URI parser rejects it: " + grpcProblem, EXAMPLE);
		}
		if (NameResolverRegistry.getDefaultRegistry().getProviderForScheme(lower) == null) {
			throw new SyntaxException("no name resolver is registered for scheme '" + scheme + "'", EXAMPLE);
		}
		if (!lower.equals("dns")) {
			return new Target(text, scheme, Kind.OTHER, null, null, List.of());
		}
		if (path.isEmpty()) {
			throw new SyntaxException("a dns target needs a host name after dns:///", EXAMPLE);
		}
		HostPort server = null;
		if (!authority.isEmpty()) {
			try {
				server = hostPort(authority, true, EXAMPLE);
			}
			catch (SyntaxException ex) {
				throw new SyntaxException("'" + authority + "' is not a DNS server address; use host or host:port, "
						+ "e.g. dns://10.96.0.10:53/orders.shop.svc.cluster.local:9090", EXAMPLE);
			}
			if (server.port() < 0) {
				server = new HostPort(server.host(), 53);
			}
		}
		return dns(text, scheme, server, hostPort(path, srv, EXAMPLE));
	}

	/** How an address is written in the path of a dns URI: IPv6 literals percent-encoded, as grpc-java does. */
	private static String pathForm(HostPort address) {
		return address.toString().replace("[", "%5B").replace("]", "%5D");
	}

	private static Target dns(String uri, String scheme, HostPort server, HostPort address) {
		return new Target(uri, scheme, Kind.DNS, server, address, List.of());
	}

	private static Target staticList(String text, String scheme, String authority, String path) {
		if (!authority.isEmpty()) {
			throw new SyntaxException("the addresses of a static target go in the path (static:///a:1,b:2); '"
					+ authority + "' is in the authority", STATIC_EXAMPLE);
		}
		if (path.isEmpty()) {
			throw new SyntaxException("a static target needs at least one host:port", STATIC_EXAMPLE);
		}
		List<HostPort> entries = new ArrayList<>();
		for (String entry : path.split(",", -1)) {
			if (entry.isEmpty()) {
				throw new SyntaxException("the address list has an empty entry", STATIC_EXAMPLE);
			}
			if (entry.startsWith("[")) {
				throw new SyntaxException("'" + entry + "': IPv6 literals cannot appear in a static list (grpc-java's "
						+ "URI parser refuses them in a path); use a host name", STATIC_EXAMPLE);
			}
			try {
				entries.add(hostPort(entry, false, STATIC_EXAMPLE));
			}
			catch (SyntaxException ex) {
				throw new SyntaxException("'" + entry + "': " + ex.getMessage(), STATIC_EXAMPLE);
			}
		}
		String grpcProblem = grpcUriProblem(text);
		if (grpcProblem != null) {
			throw new SyntaxException("grpc-java's URI parser rejects it: " + grpcProblem, STATIC_EXAMPLE);
		}
		return new Target(text, scheme, Kind.STATIC, null, null, List.copyOf(entries));
	}

	private static Target kubernetes(String text, String scheme, String authority, String path) {
		if (!authority.isEmpty()) {
			throw new SyntaxException("the Service of a kubernetes target goes in the path (kubernetes:///orders.shop:grpc); '"
					+ authority + "' is in the authority", KUBERNETES_EXAMPLE);
		}
		if (path.isEmpty()) {
			throw new SyntaxException("a kubernetes target needs a Service name after kubernetes:///",
					KUBERNETES_EXAMPLE);
		}
		String host = path;
		String port = null;
		int colon = path.indexOf(':');
		if (colon >= 0) {
			host = path.substring(0, colon);
			port = path.substring(colon + 1);
			if (port.isEmpty()) {
				throw new SyntaxException("the port after ':' is missing", KUBERNETES_EXAMPLE);
			}
		}
		String[] parts = host.split("\\.", -1);
		for (String part : parts) {
			if (!LABEL.matcher(part).matches()) {
				throw new SyntaxException("'" + part + "' is not a Kubernetes name (lower-case letters, digits and "
						+ "'-', at most 63, starting and ending with a letter or digit)", KUBERNETES_EXAMPLE);
			}
		}
		if (parts.length > 2 && !parts[2].equals("svc")) {
			throw new SyntaxException("'" + host + "' is not service[.namespace[.svc[.cluster-domain]]]",
					KUBERNETES_EXAMPLE);
		}
		String namespace = (parts.length > 1) ? parts[1] : null;
		int number = -1;
		String portName = null;
		if (port != null) {
			if (port.chars().allMatch(Character::isDigit)) {
				try {
					number = Integer.parseInt(port);
				}
				catch (NumberFormatException ex) {
					number = 0;
				}
				if (number < 1 || number > 65535) {
					throw new SyntaxException("port " + port + " is outside 1..65535", KUBERNETES_EXAMPLE);
				}
			}
			else if (LABEL.matcher(port).matches()) {
				portName = port;
			}
			else {
				throw new SyntaxException("'" + port + "' is neither a port number nor a port name of a Service",
						KUBERNETES_EXAMPLE);
			}
		}
		String grpcProblem = grpcUriProblem(text);
		if (grpcProblem != null) {
			throw new SyntaxException("grpc-java's URI parser rejects it: " + grpcProblem, KUBERNETES_EXAMPLE);
		}
		return new Target(text, scheme, Kind.KUBERNETES, null, null, List.of(),
				new KubernetesService(parts[0], namespace, number, portName));
	}

	/** {@code host:port}, {@code [v6]:port}, or (when the port may be missing) a host alone. */
	private static HostPort hostPort(String text, boolean portOptional, String example) {
		String host;
		String port;
		if (text.startsWith("[")) {
			int close = text.indexOf(']');
			if (close < 0) {
				throw new SyntaxException("an IPv6 address needs a closing ']'", example);
			}
			host = text.substring(1, close);
			if (!InetAddresses.isInetAddress(host) || host.indexOf(':') < 0) {
				throw new SyntaxException("'" + host + "' is not an IPv6 address", example);
			}
			String rest = text.substring(close + 1);
			if (rest.isEmpty() && portOptional) {
				return new HostPort(host, -1);
			}
			if (!rest.startsWith(":")) {
				throw new SyntaxException("the port is missing; a headless Service target needs the pod port, e.g. ["
						+ host + "]:9090", example);
			}
			port = rest.substring(1);
		}
		else {
			int colon = text.lastIndexOf(':');
			if (colon < 0) {
				if (portOptional) {
					requireName(text, example);
					return new HostPort(text, -1);
				}
				throw new SyntaxException("the port is missing; a headless Service target needs the pod port, e.g. "
						+ text + ":9090", example);
			}
			host = text.substring(0, colon);
			port = text.substring(colon + 1);
			if (host.isEmpty()) {
				throw new SyntaxException("the host is missing", example);
			}
			requireName(host, example);
		}
		try {
			int value = Integer.parseInt(port);
			if (value < 1 || value > 65535) {
				throw new SyntaxException("port " + port + " is outside 1..65535", example);
			}
			return new HostPort(host, value);
		}
		catch (NumberFormatException ex) {
			throw new SyntaxException("'" + port + "' is not a port number", example);
		}
	}

	private static void requireName(String host, String example) {
		if (!NAME.matcher(host).matches()) {
			throw new SyntaxException("'" + host + "' is not a valid host name", example);
		}
	}

	/**
	 * Parse as grpc-java 1.85 does (RFC 3986, {@code io.grpc.Uri}). A target that fails only there must be caught
	 * before a channel is built: when grpc-java's channel builder fails on it, it has already taken a reference to
	 * the shared Netty event loop group that is never given back.
	 */
	private static String grpcUriProblem(String target) {
		try {
			io.grpc.Uri.parse(target);
			return null;
		}
		catch (URISyntaxException ex) {
			return ex.getMessage();
		}
		catch (LinkageError ex) {
			// A grpc-java version without this (internal) parser.
			return null;
		}
	}

	/** @return the normalised target URI, as given to grpc-java */
	public String uri() {
		return this.uri;
	}

	/** @return the URI scheme as written */
	public String scheme() {
		return this.scheme;
	}

	/** @return what resolves it */
	public Kind kind() {
		return this.kind;
	}

	/** @return the DNS server named in a dns target, or {@code null} for the system's (and other kinds) */
	public HostPort dnsServer() {
		return this.dnsServer;
	}

	/** @return the name and port a dns target resolves (port {@code -1} when SRV gives it), else {@code null} */
	public HostPort address() {
		return this.address;
	}

	/** @return the entries of a static list, else empty */
	public List<HostPort> entries() {
		return this.entries;
	}

	/** @return the Service of a kubernetes target, else {@code null} */
	public KubernetesService service() {
		return this.service;
	}

	/**
	 * The authority a channel with this target reports: {@code host:port} (the host alone with SRV) for dns, the
	 * first entry of a static list (interceptors that parse the authority as one {@code host:port} then work).
	 * @return the authority, or {@code null} for other kinds (grpc-java's resolver decides)
	 */
	public String authority() {
		return switch (this.kind) {
			case DNS -> this.address.toString();
			case STATIC -> this.entries.get(0).toString();
			case KUBERNETES -> this.service.authority(null);
			case OTHER -> null;
		};
	}

	@Override
	public String toString() {
		return this.uri;
	}

	/**
	 * A host (name or IP literal, without brackets) and a port.
	 *
	 * @param host the host
	 * @param port the port, or {@code -1} when SRV records give it
	 */
	public record HostPort(String host, int port) {

		/** @return whether the host is an IP literal (no lookup needed) */
		public boolean isIpLiteral() {
			return InetAddresses.isInetAddress(this.host);
		}

		/**
		 * The socket address, without a DNS lookup: resolved for an IP literal, unresolved for a name.
		 * @return the address
		 */
		public InetSocketAddress socketAddress() {
			if (isIpLiteral()) {
				InetAddress address = InetAddresses.forString(this.host);
				return new InetSocketAddress(address, this.port);
			}
			return InetSocketAddress.createUnresolved(this.host, this.port);
		}

		@Override
		public String toString() {
			String shown = (this.host.indexOf(':') >= 0) ? "[" + this.host + "]" : this.host;
			return (this.port >= 0) ? shown + ":" + this.port : shown;
		}

	}

	/**
	 * The Service a {@code kubernetes:} target names.
	 *
	 * @param name the Service's name
	 * @param namespace its namespace, or {@code null} for the client's own
	 * @param port the port number (the pod's port, as the EndpointSlices list it), or {@code -1}
	 * @param portName the name of the Service's port, or {@code null}
	 */
	public record KubernetesService(String name, String namespace, int port, String portName) {

		/**
		 * The authority a channel reports: {@code name.namespace.svc} (the name TLS certificates of Services
		 * usually carry), with the port when it is a number.
		 * @param defaultNamespace the namespace to assume when the target has none, or {@code null}
		 * @return the authority
		 */
		public String authority(String defaultNamespace) {
			String ns = (this.namespace != null) ? this.namespace : defaultNamespace;
			String host = (ns != null) ? this.name + "." + ns + ".svc" : this.name;
			return (this.port > 0) ? host + ":" + this.port : host;
		}

	}

	/**
	 * A target that does not parse: the message says what is wrong, {@link #hint()} how to write it.
	 */
	public static final class SyntaxException extends IllegalArgumentException {

		private final String hint;

		SyntaxException(String message, String hint) {
			super(message);
			this.hint = hint;
		}

		/** @return how to write the target */
		public String hint() {
			return this.hint;
		}

	}

}
