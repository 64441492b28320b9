/// The built-in controllers of the ERP DocTypes (filled in with the Site's lifecycle work).
enum ERPControllers {
    static func register(into registry: inout ControllerRegistry) {}
}
