package io.github.grpclb.channel;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The one target grammar, against every form the README documents, and the mistakes it must name.
 */
class TargetTests {

	static Stream<Arguments> dnsForms() {
		return Stream.of(
				// written, srv, normalised uri, dns server, host, port, authority
				Arguments.of("orders.shop.svc.cluster.local:9090", false,
						"dns:///orders.shop.svc.cluster.local:9090", null, "orders.shop.svc.cluster.local", 9090,
						"orders.shop.svc.cluster.local:9090"),
				Arguments.of("dns:///orders.shop.svc.cluster.local:9090", false,
						"dns:///orders.shop.svc.cluster.local:9090", null, "orders.shop.svc.cluster.local", 9090,
						"orders.shop.svc.cluster.local:9090"),
				Arguments.of("dns://10.96.0.10:53/orders.shop.svc.cluster.local:9090", false,
						"dns://10.96.0.10:53/orders.shop.svc.cluster.local:9090", "10.96.0.10:53",
						"orders.shop.svc.cluster.local", 9090, "orders.shop.svc.cluster.local:9090"),
				Arguments.of("dns://10.96.0.10/orders:9090", false, "dns://10.96.0.10/orders:9090", "10.96.0.10:53",
						"orders", 9090, "orders:9090"),
				Arguments.of("dns://kube-dns.kube-system.svc.cluster.local:53/orders:9090", false,
						"dns://kube-dns.kube-system.svc.cluster.local:53/orders:9090",
						"kube-dns.kube-system.svc.cluster.local:53", "orders", 9090, "orders:9090"),
				Arguments.of("dns:///orders.shop.svc.cluster.local", true, "dns:///orders.shop.svc.cluster.local", null,
						"orders.shop.svc.cluster.local", -1, "orders.shop.svc.cluster.local"),
				Arguments.of("dns:///_grpc._tcp.orders.shop.svc.cluster.local", true,
						"dns:///_grpc._tcp.orders.shop.svc.cluster.local", null,
						"_grpc._tcp.orders.shop.svc.cluster.local", -1, "_grpc._tcp.orders.shop.svc.cluster.local"),
				Arguments.of("_grpc._tcp.orders.shop.svc.cluster.local", true,
						"dns:///_grpc._tcp.orders.shop.svc.cluster.local", null,
						"_grpc._tcp.orders.shop.svc.cluster.local", -1, "_grpc._tcp.orders.shop.svc.cluster.local"),
				Arguments.of("10.0.0.7:9090", false, "dns:///10.0.0.7:9090", null, "10.0.0.7", 9090, "10.0.0.7:9090"),
				Arguments.of("[::1]:9090", false, "dns:///%5B::1%5D:9090", null, "::1", 9090, "[::1]:9090"),
				Arguments.of("dns:///[2001:db8::7]:9090", false, "dns:///%5B2001:db8::7%5D:9090", null, "2001:db8::7",
						9090, "[2001:db8::7]:9090"),
				Arguments.of("dns:///%5B2001:db8::7%5D:9090", false, "dns:///%5B2001:db8::7%5D:9090", null,
						"2001:db8::7", 9090, "[2001:db8::7]:9090"),
				Arguments.of("dns://[2001:db8::53]:53/orders:9090", false, "dns://[2001:db8::53]:53/orders:9090",
						"[2001:db8::53]:53", "orders", 9090, "orders:9090"),
				Arguments.of("  orders:9090 ", false, "dns:///orders:9090", null, "orders", 9090, "orders:9090"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("dnsForms")
	void everyDocumentedDnsFormParses(String written, boolean srv, String uri, String server, String host, int port,
			String authority) {
		Target target = Target.parse(written, srv);
		assertThat(target.kind()).isEqualTo(Target.Kind.DNS);
		assertThat(target.uri()).isEqualTo(uri);
		assertThat((target.dnsServer() != null) ? target.dnsServer().toString() : null).isEqualTo(server);
		assertThat(target.address().host()).isEqualTo(host);
		assertThat(target.address().port()).isEqualTo(port);
		assertThat(target.authority()).isEqualTo(authority);
		assertThat(io.grpc.Uri.create(target.uri())).as("grpc-java accepts it").isNotNull();
		assertThat(Target.parse(target.uri(), srv).uri()).as("parsing the normalised form again").isEqualTo(uri);
	}

	@Test
	void aStaticListKeepsItsEntriesInOrderAndReportsTheFirstAsAuthority() {
		Target target = Target.parse("static:///10.0.0.1:9090,orders-0.orders.shop:9091,10.0.0.3:9090", false);
		assertThat(target.kind()).isEqualTo(Target.Kind.STATIC);
		assertThat(target.entries()).extracting(Target.HostPort::toString)
			.containsExactly("10.0.0.1:9090", "orders-0.orders.shop:9091", "10.0.0.3:9090");
		assertThat(target.authority()).isEqualTo("10.0.0.1:9090");
	}

	@Test
	void anotherRegisteredSchemeIsKeptAsItIs() {
		Target target = Target.parse("unix:///var/run/orders.sock", false);
		assertThat(target.kind()).isEqualTo(Target.Kind.OTHER);
		assertThat(target.uri()).isEqualTo("unix:///var/run/orders.sock");
	}

	@Test
	void aDnsServerGivenByNameIsNotLookedUpWhileParsing() {
		// Parsing runs in grpc's synchronization context when a channel leaves idle: it must not block on DNS.
		DnsTarget target = DnsTarget.of(Target.parse("dns://no-such-dns-server.invalid:53/orders.test:9090", false));
		assertThat(target.server().isUnresolved()).isTrue();
		assertThat(target.server().getHostString()).isEqualTo("no-such-dns-server.invalid");
		DnsTarget literal = DnsTarget.of(Target.parse("dns://10.96.0.10/orders.test:9090", false));
		assertThat(literal.server().isUnresolved()).isFalse();
		assertThat(literal.server().getPort()).isEqualTo(53);
	}

	static Stream<Arguments> mistakes() {
		return Stream.of(Arguments.of("orders", false, "port is missing"),
				Arguments.of("orders:http", false, "not a port number"),
				Arguments.of("orders:70000", false, "outside 1..65535"),
				Arguments.of(":9090", false, "host is missing"),
				Arguments.of("dns:///", false, "needs a host name"),
				Arguments.of("dns:///orders", false, "port is missing"),
				Arguments.of("dns://:53/orders:9090", false, "not a DNS server address"),
				Arguments.of("kube://orders:9090", false, "no name resolver"),
				Arguments.of("orders .svc:9090", false, "white space"),
				Arguments.of("ord$rs:9090", false, "not a valid host name"),
				Arguments.of("[::1:9090", false, "closing ']'"),
				Arguments.of("[orders]:9090", false, "not an IPv6 address"),
				Arguments.of("static://127.0.0.2:9090,127.0.0.3:9090", false, "go in the path"),
				Arguments.of("static:///", false, "at least one host:port"),
				Arguments.of("static:///127.0.0.2:9090,127.0.0.3", false, "'127.0.0.3': the port is missing"),
				Arguments.of("static:///127.0.0.2:9090,,127.0.0.3:9090", false, "empty entry"),
				Arguments.of("static:///[::1]:9090", false, "IPv6 literals cannot appear"),
				Arguments.of("dns://127.0.0.2:53,127.0.0.3:53/orders.test:9090", false,
						"grpc-java's URI parser rejects it"),
				Arguments.of("", false, "a target is needed"),
				Arguments.of("kubernetes://shop/orders:grpc", false, "goes in the path"),
				Arguments.of("kubernetes:///", false, "needs a Service name"),
				Arguments.of("kubernetes:///Orders.shop:grpc", false, "'Orders' is not a Kubernetes name"),
				Arguments.of("kubernetes:///orders.shop:", false, "port after ':' is missing"),
				Arguments.of("kubernetes:///orders.shop:0", false, "outside 1..65535"),
				Arguments.of("kubernetes:///orders.shop:grpc_port", false, "neither a port number nor a port name"),
				Arguments.of("kubernetes:///orders.shop.cluster.local:grpc", false,
						"is not service[.namespace[.svc[.cluster-domain]]]"));
	}

	static Stream<Arguments> kubernetesForms() {
		return Stream.of(Arguments.of("kubernetes:///orders.shop:grpc", "orders", "shop", -1, "grpc", "orders.shop.svc"),
				Arguments.of("kubernetes:///orders:9090", "orders", null, 9090, null, "orders:9090"),
				Arguments.of("kubernetes:///orders.shop.svc.cluster.local:grpc", "orders", "shop", -1, "grpc",
						"orders.shop.svc"),
				Arguments.of("kubernetes:///orders.shop", "orders", "shop", -1, null, "orders.shop.svc"),
				Arguments.of("KUBERNETES:///orders.shop:9090", "orders", "shop", 9090, null, "orders.shop.svc:9090"));
	}

	@ParameterizedTest(name = "[{index}] ''{0}''")
	@MethodSource("kubernetesForms")
	void everyKubernetesFormParses(String written, String service, String namespace, int port, String portName,
			String authority) {
		Target target = Target.parse(written, false);
		assertThat(target.kind()).isEqualTo(Target.Kind.KUBERNETES);
		assertThat(target.uri()).isEqualTo(written);
		assertThat(target.service())
			.isEqualTo(new Target.KubernetesService(service, namespace, port, portName));
		assertThat(target.authority()).isEqualTo(authority);
	}

	@ParameterizedTest(name = "[{index}] ''{0}''")
	@MethodSource("mistakes")
	void mistakesAreNamedWithHowToWriteTheTarget(String written, boolean srv, String reason) {
		assertThatExceptionOfType(Target.SyntaxException.class).isThrownBy(() -> Target.parse(written, srv))
			.withMessageContaining(reason)
			.satisfies((ex) -> assertThat(ex.hint()).isNotBlank());
	}

	@Test
	void theSameFormsAreWhatTheResolversTake() {
		for (String written : List.of("dns:///orders:9090", "static:///10.0.0.1:9090,10.0.0.2:9090")) {
			Target target = Target.parse(written, false);
			assertThat(Target.parse(target.uri(), false).uri()).isEqualTo(target.uri());
		}
	}

}
