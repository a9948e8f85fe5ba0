package org.medfusion.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The jar carries PyTorch's side of the reference, so a copied jar needs no checkout: the copies equal the checkout's. */
class PackagedScriptsTest {

    @Test
    void packagedScriptsEqualTheCheckout() throws IOException {
        Optional<Path> dir = TorchReference.packagedScripts();
        assertTrue(dir.isPresent(), "the scripts are not on the class path (pom.xml's resources)");
        for (String name : TorchReference.PACKAGED_SCRIPTS) {
            assertEquals(Files.readString(Path.of("scripts", name)), Files.readString(dir.get().resolve(name)), name);
        }
    }
}
