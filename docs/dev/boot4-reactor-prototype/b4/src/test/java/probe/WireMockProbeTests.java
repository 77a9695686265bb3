package probe;
import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.Test;
import org.wiremock.grpc.GrpcExtensionFactory;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
class WireMockProbeTests {
	@Test
	void starts() throws Exception {
		java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("wm");
		java.nio.file.Files.createDirectories(dir.resolve("grpc"));
		WireMockServer server = new WireMockServer(wireMockConfig().dynamicPort().withRootDirectory(dir.toString()).extensions(new GrpcExtensionFactory()));
		server.start();
		System.out.println("WIREMOCK-STARTED port=" + server.port());
		server.stop();
	}
}
