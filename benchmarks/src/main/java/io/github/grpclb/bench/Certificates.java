package io.github.grpclb.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.stream.Collectors;

import javax.net.ssl.KeyManagerFactory;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;

/**
 * A self-signed certificate made for this run with the JDK's keytool: valid for backends.bench and the five
 * backend addresses. Clients trust it through its PEM file.
 */
final class Certificates {

	private static final String PASSWORD = "bench-only";

	private final Path keyStore;

	private final Path certificatePem;

	private Certificates(Path keyStore, Path certificatePem) {
		this.keyStore = keyStore;
		this.certificatePem = certificatePem;
	}

	static Certificates generate(Path directory) throws IOException, InterruptedException {
		Path keyStore = directory.resolve("bench.p12");
		Path pem = directory.resolve("bench-ca.pem");
		String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
		String san = "SAN=dns:backends.bench,dns:localhost,"
				+ BenchBackends.ADDRESSES.stream().map((a) -> "ip:" + a).collect(Collectors.joining(","));
		run(List.of(keytool, "-genkeypair", "-alias", "bench", "-keyalg", "EC", "-groupname", "secp256r1",
				"-dname", "CN=backends.bench", "-ext", san, "-validity", "2", "-storetype", "PKCS12", "-keystore",
				keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD));
		run(List.of(keytool, "-exportcert", "-rfc", "-alias", "bench", "-keystore", keyStore.toString(),
				"-storepass", PASSWORD, "-file", pem.toString()));
		return new Certificates(keyStore, pem);
	}

	private static void run(List<String> command) throws IOException, InterruptedException {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes());
		if (process.waitFor() != 0) {
			throw new IOException("keytool failed: " + output);
		}
	}

	/** @return the PEM file clients trust */
	Path certificatePem() {
		return this.certificatePem;
	}

	ServerCredentials serverCredentials() throws IOException, GeneralSecurityException {
		KeyStore store = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(this.keyStore)) {
			store.load(in, PASSWORD.toCharArray());
		}
		KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
		factory.init(store, PASSWORD.toCharArray());
		return TlsServerCredentials.newBuilder().keyManager(factory.getKeyManagers()).build();
	}

}
