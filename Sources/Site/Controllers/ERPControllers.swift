/// The built-in controllers of the ERP DocTypes, registered by `ControllerRegistry.erp`.
enum ERPControllers {
    static func register(into registry: inout ControllerRegistry) {
        registry.register(CustomerController(), for: CustomerController.doctype)
        registry.register(SalesInvoiceController(), for: SalesInvoiceController.doctype)
        registry.register(OrderController.salesOrder, for: "Sales Order")
        registry.register(OrderController.purchaseOrder, for: "Purchase Order")
    }
}
