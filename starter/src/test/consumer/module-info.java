/** An application on the module path that depends on the starter alone. */
module consumer {
    requires dev.hyperlight.nanvix.starter;
}
