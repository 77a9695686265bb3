package io.github.grpclb.channel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import org.xbill.DNS.Address;

/**
 * What the operating system's resolver is configured with, read the way glibc reads it: name servers, search list and
 * {@code ndots} from {@code /etc/resolv.conf} (with the {@code LOCALDOMAIN} and {@code RES_OPTIONS} environment
 * overrides), and the hosts file it consults before DNS. The starter queries these name servers itself, so that a
 * {@code dns:///host:port} target sees DNS changes without the JVM's address cache in between.
 * <p>
 * Used only with dnsjava on the class path (it parses the IP addresses). Not modelled: {@code options rotate}, {@code timeout}/{@code attempts} (the starter's {@code query-timeout} applies
 * per server), a search list derived from the host name when resolv.conf has none, and nsswitch sources other than
 * files and DNS (the lookup asks the JDK for names DNS does not know, which covers those).
 *
 * @param nameservers the DNS servers, at most three, in order; empty when there are none (the JDK then resolves)
 * @param search the search domains, in order, without trailing dots
 * @param ndots a name with fewer dots than this is tried with the search domains first
 * @param hostsFile the hosts file consulted before DNS, or {@code null} for none
 */
record SystemResolverConfig(List<InetSocketAddress> nameservers, List<String> search, int ndots, Path hostsFile) {

	/** Where glibc reads its resolver configuration. */
	static final Path RESOLV_CONF = Path.of("/etc/resolv.conf");

	/** Where glibc reads host names before it asks DNS. */
	static final Path HOSTS = Path.of("/etc/hosts");

	/** glibc's limits: {@code MAXNS} and {@code RES_MAXNDOTS}. */
	private static final int MAX_NAMESERVERS = 3;

	private static final int MAX_NDOTS = 15;

	private static final Pattern WHITESPACE = Pattern.compile("\\s+");

	SystemResolverConfig {
		nameservers = List.copyOf(nameservers);
		search = List.copyOf(search);
	}

	/**
	 * The configuration in effect now. No name servers (so the JDK resolves) when {@code -Djdk.net.hosts.file} is
	 * set — the JVM was told to resolve from that file instead of the system resolver — or when resolv.conf is
	 * missing, unreadable (Windows, some sandboxes) or names no server.
	 * @return the configuration, read again on every call (glibc also picks up changes to resolv.conf)
	 */
	static SystemResolverConfig current() {
		if (System.getProperty("jdk.net.hosts.file") != null || !Files.isReadable(RESOLV_CONF)) {
			return none();
		}
		try {
			return parse(Files.readAllLines(RESOLV_CONF, StandardCharsets.ISO_8859_1), System.getenv(), HOSTS);
		}
		catch (IOException ex) {
			return none();
		}
	}

	/** @return a configuration without name servers: lookups go to the JDK */
	static SystemResolverConfig none() {
		return new SystemResolverConfig(List.of(), List.of(), 1, null);
	}

	/**
	 * Parse resolv.conf as glibc does: {@code nameserver} (IP addresses only, the first three), {@code search} and
	 * {@code domain} (the last of them wins), {@code options ndots:n}; then {@code LOCALDOMAIN} replaces the search
	 * list and {@code RES_OPTIONS} amends the options.
	 * @param lines the lines of resolv.conf
	 * @param env the environment
	 * @param hostsFile the hosts file to consult first, or {@code null}
	 * @return the configuration
	 */
	static SystemResolverConfig parse(List<String> lines, Map<String, String> env, Path hostsFile) {
		List<InetSocketAddress> nameservers = new ArrayList<>();
		List<String> search = new ArrayList<>();
		int ndots = 1;
		for (String line : lines) {
			String[] tokens = WHITESPACE.split(line.trim());
			if (tokens.length < 2 || tokens[0].startsWith("#") || tokens[0].startsWith(";")) {
				continue;
			}
			switch (tokens[0]) {
				case "nameserver" -> {
					InetAddress address = literal(tokens[1]);
					if (address != null && nameservers.size() < MAX_NAMESERVERS) {
						nameservers.add(new InetSocketAddress(address, 53));
					}
				}
				case "search", "domain" -> {
					search.clear();
					int end = tokens[0].equals("domain") ? 2 : tokens.length;
					for (int i = 1; i < end; i++) {
						addDomain(search, tokens[i]);
					}
				}
				case "options" -> ndots = options(tokens, ndots);
				default -> {
					// sortlist, lookup and other keywords change nothing here.
				}
			}
		}
		String localDomain = env.get("LOCALDOMAIN");
		if (localDomain != null && !localDomain.isBlank()) {
			search.clear();
			for (String domain : WHITESPACE.split(localDomain.trim())) {
				addDomain(search, domain);
			}
		}
		String resOptions = env.get("RES_OPTIONS");
		if (resOptions != null && !resOptions.isBlank()) {
			ndots = options(("options " + resOptions.trim()).split("\\s+"), ndots);
		}
		return new SystemResolverConfig(nameservers, search, ndots, hostsFile);
	}

	private static void addDomain(List<String> search, String domain) {
		String trimmed = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
		if (!trimmed.isEmpty()) {
			search.add(trimmed);
		}
	}

	private static int options(String[] tokens, int ndots) {
		int result = ndots;
		for (int i = 1; i < tokens.length; i++) {
			if (tokens[i].startsWith("ndots:")) {
				try {
					result = Math.max(0, Math.min(MAX_NDOTS, Integer.parseInt(tokens[i].substring(6))));
				}
				catch (NumberFormatException ex) {
					// glibc ignores a malformed value too.
				}
			}
		}
		return result;
	}

	/**
	 * The names to ask DNS for, in glibc's order ({@code res_search}): a name ending with a dot is absolute and asked
	 * as it is; a name with at least {@code ndots} dots is asked as it is first, then with each search domain; a name
	 * with fewer dots gets the search domains first and is asked as it is last.
	 * @param host the name from the target
	 * @return the names, without trailing dots
	 */
	List<String> candidates(String host) {
		if (host.endsWith(".")) {
			return List.of(host.substring(0, host.length() - 1));
		}
		int dots = (int) host.chars().filter((c) -> c == '.').count();
		List<String> names = new ArrayList<>();
		if (dots >= this.ndots) {
			names.add(host);
		}
		for (String domain : this.search) {
			names.add(host + "." + domain);
		}
		if (dots < this.ndots) {
			names.add(host);
		}
		return names;
	}

	/**
	 * The addresses the hosts file lists for a name (every line that names it, as getaddrinfo returns them).
	 * @param host the name; case and a trailing dot do not matter
	 * @return the addresses, empty when the file does not name it or there is no readable hosts file
	 * @throws IOException when the file cannot be read
	 */
	List<InetAddress> hostsEntries(String host) throws IOException {
		if (this.hostsFile == null || !Files.isReadable(this.hostsFile)) {
			return List.of();
		}
		String wanted = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
		List<InetAddress> addresses = new ArrayList<>();
		for (String line : Files.readAllLines(this.hostsFile, StandardCharsets.ISO_8859_1)) {
			int comment = line.indexOf('#');
			String[] tokens = WHITESPACE.split(((comment >= 0) ? line.substring(0, comment) : line).trim());
			if (tokens.length < 2) {
				continue;
			}
			for (int i = 1; i < tokens.length; i++) {
				if (tokens[i].equalsIgnoreCase(wanted)) {
					InetAddress address = literal(tokens[0]);
					if (address != null && !addresses.contains(address)) {
						addresses.add(address);
					}
					break;
				}
			}
		}
		return addresses;
	}

	/**
	 * An IP address written as text, parsed without any name lookup.
	 * @param text e.g. {@code 10.0.0.1}, {@code fd00::1}, {@code [::1]} or {@code fe80::1%eth0}
	 * @return the address, or {@code null} when the text is not an IP address
	 */
	static InetAddress literal(String text) {
		String value = (text.startsWith("[") && text.endsWith("]")) ? text.substring(1, text.length() - 1) : text;
		try {
			byte[] v4 = Address.toByteArray(value, Address.IPv4);
			if (v4 != null) {
				return InetAddress.getByAddress(v4);
			}
			int scope = value.indexOf('%');
			if (value.indexOf(':') >= 0
					&& Address.toByteArray((scope >= 0) ? value.substring(0, scope) : value,
							Address.IPv6) != null) {
				// A valid IPv6 literal: the JDK parses it (with its scope) without asking any name service.
				return InetAddress.getByName(value);
			}
		}
		catch (UnknownHostException ex) {
			// Not a usable literal, e.g. an unknown scope.
		}
		return null;
	}

	@Override
	public String toString() {
		return "nameservers " + this.nameservers + ", search " + this.search + ", ndots " + this.ndots + ", hosts file "
				+ Objects.requireNonNullElse(this.hostsFile, "none");
	}

}
